"""SQL of the workbench search: selectors, accounts, logins, payments and message text.

Every query returns the source file's hash, row and agency of each hit, and the persons it
is about, so the caller can apply the record rule to each hit. The message query without
the ranked postings needs the :data:`threadline.web.sql.PARTY_INDEX` tables on the read
connection.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from threadline.resolve.sql import account_key, identity_key_sql
from threadline.store import full_text
from threadline.store.engine import Rows

HITS = 50  # hits shown per kind; the total is always counted
# Message hits checked against the policy, best-ranked first (a common word matches tens of
# thousands of messages; the count of all matches is still given).
CHECKED = 2000
WORD = re.compile(r"[^\W\d_]")
ACCOUNT = account_key("a.platform", "a.account_id")
PLAIN_ACCOUNT = account_key("platform", "account_id")
# What the ranked postings of the index carry of each message (the search step writes them):
# the order of hits, and the accounts whose persons the record rule checks.
POSTED = {
    "messages": {
        "sent_at": "sent_at",
        "sender_key": account_key("platform", "sender"),
        "recipient_key": account_key("platform", "recipient"),
    }
}
LOGIN = account_key("l.platform", "l.account_id")
SENDER = identity_key_sql("sender", "p")
RECEIVER = identity_key_sql("receiver", "p")


def selectors(
    r: Rows, values: Sequence[str], rids: Sequence[int] | None = None
) -> list[dict[str, Any]]:
    """Phone, e-mail and device selectors equal to one of ``values``, with their owner.

    ``rids``: the rows the lookup found (see :func:`_rows`). Without, a semi-join (not
    ``list_contains``: DuckDB pushes the values into the scan as a filter).
    """
    if rids is not None and not rids:
        return []
    params: list[Any] = [list(values)]
    found = _rows("selectors", rids, "value IN (SELECT unnest(?::VARCHAR[]))", params)
    return r.query_dicts(
        f"""WITH hit AS ({found})
            SELECT s.selector_type, s.value, s.entity_key, m.person_id, s.table_name,
                   src.sha256 AS source_sha256, s."row", src.agency AS source_agency
            FROM selectors s JOIN hit ON s.rowid = hit.rid JOIN sources src USING (source_id)
            LEFT JOIN person_members m ON m.member_key = s.entity_key
            WHERE s.selector_type IN ('phone', 'email', 'device')
            ORDER BY s.selector_type, s.value, m.person_id, src.sha256, s."row" """,
        params,
    )


def accounts(
    r: Rows, handle: str, ip: str | None = None, rids: Sequence[int] | None = None
) -> list[dict[str, Any]]:
    """Accounts whose id (handle) or key is ``handle``, or registered from ``ip``."""
    if rids is not None and not rids:
        return []
    params: list[Any] = [handle, ip]
    found = _rows(
        "accounts",
        rids,
        f"lower(trim(account_id)) = $1 OR {PLAIN_ACCOUNT} = $1 OR registration_ip = $2",
        params,
    )
    return r.query_dicts(
        f"""WITH hit AS ({found})
            SELECT a.platform, a.account_id, a.display_name, {ACCOUNT} AS member_key,
                   m.person_id, src.sha256 AS source_sha256, a."row", src.agency AS source_agency
            FROM accounts a JOIN hit ON a.rowid = hit.rid JOIN sources src USING (source_id)
            LEFT JOIN person_members m ON m.member_key = {ACCOUNT}
            ORDER BY a.platform, a.account_id, src.sha256, a."row" """,
        params,
    )


def _rows(table: str, rids: Sequence[int] | None, where: str, params: list[Any]) -> str:
    """SQL of the row ids of ``table`` a search finds, and its parameters (appended).

    ``rids`` are the row ids the search step's lookup found (:mod:`search_lookup`); None
    when there is no current lookup, and ``table`` is scanned with ``where`` instead.
    """
    if rids is None:
        return f"SELECT rowid AS rid FROM {table} WHERE {where}"
    params.clear()
    params.append([int(i) for i in rids])
    return "SELECT unnest(?::BIGINT[]) AS rid"


def logins(
    r: Rows, ip: str | None, device: str, rids: Sequence[int] | None = None
) -> list[dict[str, Any]]:
    """Logins from the address ``ip`` or the device ``device``, with the account's person."""
    if rids is not None and not rids:
        return []
    params: list[Any] = [ip, device]
    found = _rows("logins", rids, "ip = $1 OR lower(trim(device_id)) = $2", params)
    return r.query_dicts(
        f"""WITH hit AS ({found})
            SELECT l.ip, l.device_id, l."at", l.platform, l.account_id, m.person_id,
                   src.sha256 AS source_sha256, l."row", src.agency AS source_agency
            FROM logins l JOIN hit ON l.rowid = hit.rid JOIN sources src USING (source_id)
            LEFT JOIN person_members m ON m.member_key = {LOGIN}
            ORDER BY l."at" DESC, src.sha256, l."row" """,
        params,
    )


def payments(
    r: Rows, text: str, phones: Sequence[str], rids: Sequence[int] | None = None
) -> list[dict[str, Any]]:
    """Payments with the transaction id ``text``, or paid from or to that account or phone.

    The persons of the few hits are read from ``person_members`` by the identity keys, as
    :data:`threadline.web.sql.PARTY_INDEX` reads them for every payment.
    """
    if rids is not None and not rids:
        return []
    params: list[Any] = [text, list(phones)]
    found = _rows(
        "payments",
        rids,
        """lower(trim(transaction_id)) = $1 OR lower(trim(sender_account)) = $1
           OR lower(trim(receiver_account)) = $1
           OR list_contains($2, sender_phone) OR list_contains($2, receiver_phone)""",
        params,
    )
    return r.query_dicts(
        f"""WITH hit AS ({found})
            SELECT p.provider, p.transaction_id, p.sent_at, p.amount, p.currency,
                   p.sender_account, p.receiver_account, ps.person_id AS sp,
                   pr.person_id AS rp, src.sha256 AS source_sha256, p."row",
                   src.agency AS source_agency
            FROM payments p JOIN hit ON p.rowid = hit.rid JOIN sources src USING (source_id)
            LEFT JOIN person_members ps ON ps.member_key = {SENDER}
            LEFT JOIN person_members pr ON pr.member_key = {RECEIVER}
            ORDER BY p.sent_at DESC, src.sha256, p."row" """,
        params,
    )


def message_hits(
    r: Rows, text: str, indexed: bool, ranked: bool = False
) -> tuple[list[tuple[int, float, Any, Any, Any]], int]:
    """The best-ranked :data:`CHECKED` messages matching ``text``, and how many match in all.

    Each hit is (row id, score, sender person, recipient person, source agency): only what
    the record rule needs (the text of the hits shown comes from :func:`messages`). Ranked
    by BM25 on the full-text index (from its ranked postings when the case has them), else
    found by a text scan, newest first.
    """
    if indexed and ranked:
        if not WORD.search(text):  # the index's tokenizer keeps letters only
            return [], 0
        return _ranked_hits(r, text)
    if indexed:
        if not WORD.search(text):
            return [], 0
        found = f"SELECT key AS record_id, score FROM ({full_text.hits_sql('messages')})"
        params: list[Any] = [text]
    else:  # no index (Spark, or a case analysed before the search step existed)
        found = """SELECT record_id, epoch(sent_at) AS score FROM messages
                   WHERE instr(lower(text), ?) > 0"""
        params = [text.lower()]
    ranked_rows = r.query(
        f"""SELECT record_id, score, count(*) OVER () FROM ({found})
            ORDER BY score DESC, record_id LIMIT {CHECKED}""",
        params,
    )
    if not ranked_rows:
        return [], 0
    rows = r.query(
        """WITH hit AS (SELECT unnest(?) AS record_id, unnest(?) AS score)
           SELECT m.rowid, hit.score, mp.sp, mp.rp, src.agency
           FROM hit JOIN messages m USING (record_id) JOIN sources src USING (source_id)
           JOIN _msg_parties mp ON mp.rid = m.rowid
           ORDER BY hit.score DESC, m.sent_at DESC, m.rowid""",
        [[str(x[0]) for x in ranked_rows], [float(x[1] or 0) for x in ranked_rows]],
    )
    hits = [(int(rid), float(score), sp, rp, ag) for rid, score, sp, rp, ag in rows]
    return hits, int(ranked_rows[0][2])


def _ranked_hits(r: Rows, text: str) -> tuple[list[tuple[int, float, Any, Any, Any]], int]:
    """:func:`message_hits` from the index's ranked postings: no join by key.

    The persons of each hit are read from ``person_members`` by the accounts' keys the
    postings carry (:data:`POSTED`), as :data:`threadline.web.sql.PARTY_INDEX` reads them.
    A one-term query is counted by the term's document frequency.
    """
    terms = r.query(full_text.terms_sql("messages"), [text])
    if not terms:
        return [], 0
    ranked = full_text.ranked_sql("messages", len(terms), list(POSTED["messages"]))
    count = "" if len(terms) == 1 else ", count(*) OVER () AS n"
    rows = r.query(
        f"""WITH h AS ({ranked}),
                 top AS (SELECT *{count} FROM h ORDER BY score DESC, rkey LIMIT {CHECKED})
            SELECT top.rid, top.score, ps.person_id, pr.person_id, src.agency
                   {", top.n" if count else ""}
            FROM top JOIN sources src USING (source_id)
            LEFT JOIN person_members ps ON ps.member_key = top.sender_key
            LEFT JOIN person_members pr ON pr.member_key = top.recipient_key
            ORDER BY top.score DESC, top.sent_at DESC, top.rid""",
        [[int(t[0]) for t in terms], [float(t[1]) for t in terms]],
    )
    hits = [(int(x[0]), float(x[1] or 0), x[2], x[3], x[4]) for x in rows]
    matched = int(terms[0][2]) if len(terms) == 1 else int(rows[0][5]) if rows else 0
    return hits, matched


def messages(r: Rows, rowids: Sequence[int]) -> dict[int, dict[str, Any]]:
    """The messages of the given row ids, with their source file's hash and row.

    The ids are a semi-join (``IN (SELECT unnest(?))``): DuckDB then pushes them into the
    scan of ``messages`` and reads only their row groups, where a constant ``IN`` list is
    checked against every row.
    """
    rows = r.query_dicts(
        """SELECT m.rowid AS rid, m.platform, m.sender, m.recipient, m.sent_at, m.text,
                  src.sha256 AS source_sha256, m."row", src.agency AS source_agency
           FROM messages m JOIN sources src USING (source_id)
           WHERE m.rowid IN (SELECT unnest(?::BIGINT[]))""",
        [[int(i) for i in rowids]],
    )
    return {int(x["rid"]): x for x in rows}


def written_names(r: Rows) -> list[tuple[str, str, str]]:
    """(member key, written name, where) of every payment name and account display name."""
    rows = r.query(
        f"""SELECT DISTINCT identity_key, name, 'payment name' FROM payment_identities
            WHERE name IS NOT NULL AND trim(name) <> ''
            UNION SELECT DISTINCT {ACCOUNT}, a.display_name, 'display name' FROM accounts a
            WHERE a.display_name IS NOT NULL AND trim(a.display_name) <> ''"""
    )
    return [(str(k), str(n), str(w)) for k, n, w in rows]
