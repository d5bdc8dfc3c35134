"""SQL of the web workbench: users and the queries behind each page.

Reads run on a pooled read connection (:mod:`threadline.store.web_pool`); writes (users) on
the case's engine.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from threadline.resolve.sql import account_key, identity_key_sql
from threadline.store.engine import Engine, Rows
from threadline.store.tables import Table, table

SENDER_ACCOUNT = account_key("platform", "sender")
RECIPIENT_ACCOUNT = account_key("platform", "recipient")
LOGIN_ACCOUNT = account_key("platform", "account_id")
SENDER_IDENTITY = identity_key_sql("sender")
RECEIVER_IDENTITY = identity_key_sql("receiver")


# -- users ------------------------------------------------------------------------------------
# Workbench users; never exported (the rows hold password hashes).
TABLES: dict[str, Table] = {
    "web_users": table(
        """name VARCHAR, agency VARCHAR, country VARCHAR, role VARCHAR, password_hash VARCHAR,
        created_at TIMESTAMP, created_by VARCHAR""",
        per_table_export=False,
    ),
    # Analysts' notes and tags on persons, sessions and evidence rows, each kept for the
    # author's agency; not exported (another agency's working notes).
    "case_notes": table(
        """note_id VARCHAR, subject_kind VARCHAR, subject_id VARCHAR, tag VARCHAR, "text" VARCHAR,
        agency VARCHAR, author VARCHAR, "at" TIMESTAMP""",
        per_table_export=False,
    ),
}


def add_user(
    engine: Engine, name: str, agency: str, country: str, role: str, password_hash: str, by: str
) -> None:
    """Store a new workbench user with their password hash."""
    engine.execute(
        "INSERT INTO web_users VALUES (?, ?, ?, ?, ?, now()::TIMESTAMP, ?)",
        [name, agency, country, role, password_hash, by],
    )


def user(r: Rows, name: str) -> dict[str, Any] | None:
    """The stored row of the user of that name, or None."""
    rows = r.query_dicts("SELECT * FROM web_users WHERE name = ?", [name])
    return rows[0] if rows else None


def set_password_hash(engine: Engine, name: str, password_hash: str) -> None:
    """Replace a user's stored password hash."""
    engine.execute("UPDATE web_users SET password_hash = ? WHERE name = ?", [password_hash, name])


def table_exists(r: Rows, name: str) -> bool:
    """Whether the case's database has a table of that name."""
    return bool(
        r.query(
            "SELECT 1 FROM information_schema.tables WHERE table_name = ? "
            "AND table_catalog = current_database() AND table_schema = current_schema()",
            [name],
        )
    )


def columns(r: Rows, table: str) -> list[str]:
    """A table's column names, in order."""
    return [
        str(c)
        for (c,) in r.query(
            "SELECT column_name FROM information_schema.columns WHERE table_name = ? "
            "AND table_catalog = current_database() AND table_schema = current_schema() "
            "ORDER BY ordinal_position",
            [table],
        )
    ]


# -- dashboard --------------------------------------------------------------------------------
COUNTED = (
    "accounts",
    "messages",
    "payments",
    "logins",
    "locations",
    "media",
    "hashlist",
    "quarantine",
    "sources",
)
FINDINGS = ("person_roles", "networks", "sessions", "targets", "rescue")


def counts(r: Rows, tables: Sequence[str]) -> dict[str, int]:
    """The row count of each of the given tables."""
    parts = " UNION ALL ".join(f"SELECT '{t}', count(*) FROM {t}" for t in tables)
    return {str(t): int(n) for t, n in r.query(parts)}


def persons_count(r: Rows) -> int:
    """How many persons the case's records were resolved into."""
    return int(r.query("SELECT count(DISTINCT person_id) FROM person_members")[0][0])


def sources(r: Rows) -> list[dict[str, Any]]:
    """Every ingested source file: its origin, hash and row counts, oldest first."""
    return r.query_dicts(
        """SELECT source_id, kind, format, agency, seizure, path, sha256, rows_stored,
                  rows_quarantined, ingested_at FROM sources ORDER BY ingested_at, source_id"""
    )


def quarantine_by_reason(r: Rows) -> list[dict[str, Any]]:
    """Quarantined rows counted per reason, most frequent first."""
    return r.query_dicts(
        "SELECT reason, count(*) AS n FROM quarantine GROUP BY reason ORDER BY n DESC, reason"
    )


def activity(r: Rows) -> list[dict[str, Any]]:
    """Messages, payments and logins per month."""
    return r.query_dicts(
        """SELECT month, kind, count(*) AS n FROM (
             SELECT date_trunc('month', sent_at) AS month, 'messages' AS kind FROM messages
             UNION ALL SELECT date_trunc('month', sent_at), 'payments' FROM payments
             UNION ALL SELECT date_trunc('month', "at"), 'logins' FROM logins)
           WHERE month IS NOT NULL GROUP BY month, kind ORDER BY month, kind"""
    )


# -- persons and access -----------------------------------------------------------------------
def person_access(r: Rows) -> list[tuple[str, str, list[str]]]:
    """(person, role, jurisdictions) of every person.

    The jurisdiction is ``targets.country``; a person with no target row falls back to the
    countries of its accounts and payment identities.
    """
    rows = r.query(
        f"""WITH t AS (SELECT person_id, list(DISTINCT country) AS cs FROM targets
                       WHERE country IS NOT NULL GROUP BY person_id),
             mc AS (
               SELECT m.person_id, a.country FROM person_members m
               JOIN accounts a ON m.member_key = {account_key("a.platform", "a.account_id")}
               WHERE a.country IS NOT NULL
               UNION SELECT m.person_id, i.country FROM person_members m
               JOIN payment_identities i ON i.identity_key = m.member_key
               WHERE i.country IS NOT NULL),
             f AS (SELECT person_id, list(DISTINCT country) AS cs FROM mc GROUP BY person_id),
             ro AS (SELECT person_id, any_value(role) AS role FROM person_roles
                    GROUP BY person_id),
             p AS (SELECT DISTINCT person_id FROM person_members
                   UNION SELECT person_id FROM person_roles)
           SELECT p.person_id, coalesce(ro.role, 'other'), coalesce(t.cs, f.cs, [])
           FROM p LEFT JOIN t USING (person_id) LEFT JOIN f USING (person_id)
           LEFT JOIN ro USING (person_id) ORDER BY p.person_id"""
    )
    return [(str(p), str(role), sorted(str(c) for c in cs)) for p, role, cs in rows]


def person_labels(r: Rows) -> dict[str, str]:
    """A readable handle per person: its first account, else its first payment name."""
    rows = r.query(
        """SELECT m.person_id,
                  coalesce(min(m.member_key) FILTER (WHERE m.member_type = 'account'),
                           min(i.provider || ': ' || i.name)) AS label
           FROM person_members m LEFT JOIN payment_identities i ON i.identity_key = m.member_key
           GROUP BY m.person_id"""
    )
    return {str(p): str(label) for p, label in rows}


def person_members(r: Rows, person_id: str) -> list[dict[str, Any]]:
    """The person's accounts and payment identities, with what is known of each."""
    return r.query_dicts(
        """SELECT m.member_type, m.member_key, m.confidence, m.via, a.display_name,
                  a.email, a.phone AS account_phone, a.country AS account_country,
                  i.provider, i.name, i.account, i.phone, i.country, i.city, i.payments
           FROM person_members m
           LEFT JOIN payment_identities i ON i.identity_key = m.member_key
           LEFT JOIN (SELECT DISTINCT ON (k) * FROM (SELECT *, """
        + account_key("platform", "account_id")
        + """ AS k FROM accounts)) a ON a.k = m.member_key
           WHERE m.person_id = ? ORDER BY m.member_type, m.member_key""",
        [person_id],
    )


def person_links(r: Rows, person_id: str) -> list[dict[str, Any]]:
    """The links between the person's own members: rule, confidence and shared selector."""
    return r.query_dicts(
        """WITH k AS (SELECT member_key FROM person_members WHERE person_id = ?)
           SELECT l.a, l.b, l.rule, l.confidence, l.selector_type, l.value FROM person_links l
           WHERE l.a IN (SELECT member_key FROM k) AND l.b IN (SELECT member_key FROM k)
           ORDER BY l.a, l.b, l.rule""",
        [person_id],
    )


def link_evidence(r: Rows, person_id: str) -> list[dict[str, Any]]:
    """The records showing each selector that links the person's members."""
    return r.query_dicts(
        """WITH k AS (SELECT member_key FROM person_members WHERE person_id = ?)
           SELECT DISTINCT s.entity_key, s.selector_type, s.value, src.sha256 AS source_sha256,
                  s."row", s.table_name
           FROM selectors s JOIN sources src USING (source_id)
           WHERE s.entity_key IN (SELECT member_key FROM k) AND s.selector_type <> 'ip'
           ORDER BY s.entity_key, s.selector_type, s."row" LIMIT 200""",
        [person_id],
    )


def one_row(r: Rows, table: str, person_id: str) -> dict[str, Any] | None:
    """The person's row in a findings table (``person_roles``, ``targets``, ``rescue``)."""
    if table not in ("person_roles", "targets", "rescue"):
        raise ValueError(table)
    rows = r.query_dicts(f"SELECT * FROM {table} WHERE person_id = ? LIMIT 1", [person_id])
    return rows[0] if rows else None


def person_networks(r: Rows, person_id: str) -> list[dict[str, Any]]:
    """The networks the person is in, with their role, centrality and bridge flag in each."""
    return r.query_dicts(
        "SELECT network_id, role, centrality, bridge FROM network_members WHERE person_id = ? "
        "ORDER BY network_id",
        [person_id],
    )


# Who is on each side of every message, payment and login: built once per change of persons
# and held in memory, so a person's timeline or a network's edges need no scan of the events.
PARTY_INDEX = {
    "_msg_parties": f"""SELECT m.rowid AS rid, ps.person_id AS sp, pr.person_id AS rp,
                               m.sent_at AS "at" FROM messages m
        LEFT JOIN person_members ps ON ps.member_key = {SENDER_ACCOUNT}
        LEFT JOIN person_members pr ON pr.member_key = {RECIPIENT_ACCOUNT}""",
    "_pay_parties": f"""SELECT p.rowid AS rid, ps.person_id AS sp, pr.person_id AS rp,
                               p.sent_at AS "at" FROM payments p
        LEFT JOIN person_members ps ON ps.member_key = {SENDER_IDENTITY}
        LEFT JOIN person_members pr ON pr.member_key = {RECEIVER_IDENTITY}""",
    "_login_parties": f"""SELECT l.rowid AS rid, pm.person_id AS p, l."at" FROM logins l
        JOIN person_members pm ON pm.member_key = {LOGIN_ACCOUNT}""",
}


def timeline(
    r: Rows,
    person_id: str,
    limit: int,
    since: datetime | None = None,
    before: datetime | None = None,
) -> list[dict[str, Any]]:
    """Messages, payments and logins of a person, newest first, with evidence.

    Only events at or after ``since`` and before ``before`` when given. Needs the
    :data:`PARTY_INDEX` tables registered on the read connection.
    """
    when = """($3::TIMESTAMP IS NULL OR "at" >= $3::TIMESTAMP)
              AND ($4::TIMESTAMP IS NULL OR "at" < $4::TIMESTAMP)"""
    return r.query_dicts(
        f"""WITH mh AS (SELECT rid, sp, rp FROM _msg_parties WHERE (sp = $1 OR rp = $1)
                        AND {when} ORDER BY "at" DESC LIMIT $2),
             ph AS (SELECT rid, sp, rp FROM _pay_parties WHERE (sp = $1 OR rp = $1)
                    AND {when} ORDER BY "at" DESC LIMIT $2),
             lh AS (SELECT rid FROM _login_parties WHERE p = $1 AND {when}
                    ORDER BY "at" DESC LIMIT $2),
             ev AS (
               SELECT 'message' AS kind, m.sent_at AS "at", m.source_id, m."row",
                      CASE WHEN mh.sp = $1 THEN 'sent' ELSE 'received' END AS direction,
                      CASE WHEN mh.sp = $1 THEN {RECIPIENT_ACCOUNT} ELSE {SENDER_ACCOUNT} END
                          AS other,
                      CASE WHEN mh.sp = $1 THEN mh.rp ELSE mh.sp END AS other_person,
                      m.text AS detail
               FROM messages m JOIN mh ON m.rowid = mh.rid
               UNION ALL
               SELECT 'payment', p.sent_at, p.source_id, p."row",
                      CASE WHEN ph.sp = $1 THEN 'sent' ELSE 'received' END,
                      CASE WHEN ph.sp = $1 THEN {RECEIVER_IDENTITY} ELSE {SENDER_IDENTITY} END,
                      CASE WHEN ph.sp = $1 THEN ph.rp ELSE ph.sp END,
                      p.provider || ' ' || regexp_replace(CAST(p.amount AS VARCHAR),
                                                          '\\.?0+$', '') || ' ' || p.currency
               FROM payments p JOIN ph ON p.rowid = ph.rid
               UNION ALL
               SELECT 'login', l."at", l.source_id, l."row", 'login', NULL, NULL,
                      l.ip || coalesce(' ' || l.device_id, '')
               FROM logins l JOIN lh ON l.rowid = lh.rid)
           SELECT ev.kind, ev."at", src.sha256 AS source_sha256, ev."row", ev.direction,
                  ev.other, ev.other_person, ev.detail, src.agency AS source_agency
           FROM ev JOIN sources src USING (source_id)
           ORDER BY ev."at" DESC, ev.kind, ev."row" LIMIT $2""",
        [person_id, limit, since, before],
    )


def timeline_count(r: Rows, person_id: str) -> int:
    """How many events :func:`timeline` has for the person in all (same tables)."""
    return int(
        r.query(
            """SELECT (SELECT count(*) FROM _msg_parties WHERE sp = $1 OR rp = $1)
                    + (SELECT count(*) FROM _pay_parties WHERE sp = $1 OR rp = $1)
                    + (SELECT count(*) FROM _login_parties WHERE p = $1)""",
            [person_id],
        )[0][0]
    )


def person_sessions(r: Rows, person_id: str, limit: int) -> list[dict[str, Any]]:
    """The person's newest ``limit`` sessions, as buyer or as seller."""
    return r.query_dicts(
        """SELECT * FROM sessions WHERE buyer_person = $1 OR seller_person = $1
           ORDER BY "start" DESC, session_id LIMIT $2""",
        [person_id, limit],
    )


def person_session_counts(r: Rows, person_id: str) -> dict[str, int]:
    """How many sessions the person has as buyer and as seller."""
    row = r.query(
        """SELECT count(*) FILTER (WHERE buyer_person = $1),
                  count(*) FILTER (WHERE seller_person = $1)
           FROM sessions WHERE buyer_person = $1 OR seller_person = $1""",
        [person_id],
    )[0]
    return {"buyer": int(row[0]), "seller": int(row[1])}


def locations_summary(r: Rows, person_id: str) -> dict[str, Any]:
    """Count, span and a rounded centre of the location fixes of the person's subjects."""
    rows = r.query_dicts(
        """WITH k AS (SELECT member_key FROM person_members WHERE person_id = ?),
             subj AS (
               SELECT 'account' AS t, member_key AS v FROM k
               UNION SELECT selector_type, value FROM selectors
               WHERE entity_key IN (SELECT member_key FROM k)
                 AND selector_type IN ('phone', 'device'))
           SELECT count(*) AS fixes, min("at") AS first, max("at") AS last,
                  round(avg(lat), 2) AS lat, round(avg(lon), 2) AS lon
           FROM locations l JOIN subj ON subj.t = l.subject_type
             AND subj.v = CASE WHEN l.subject_type = 'phone' THEN l.subject
                               ELSE lower(trim(l.subject)) END""",
        [person_id],
    )
    return rows[0]


# -- evidence ---------------------------------------------------------------------------------
def evidence(r: Rows, source_sha256: str, row: int) -> list[dict[str, Any]]:
    """The stored records that came from one row of one source file."""
    return r.query_dicts(
        """SELECT p.table_name, p.record_id, s.source_id, s.kind, s.agency, s.seizure, s.path,
                  s.sha256 FROM provenance p JOIN sources s USING (source_id)
           WHERE s.sha256 = ? AND p."row" = ? ORDER BY p.table_name, p.record_id""",
        [source_sha256, row],
    )


def record(r: Rows, table: str, record_id: str) -> dict[str, Any] | None:
    """One stored record, with the member keys of its parties as ``_a`` and ``_b``."""
    from threadline.schema import KINDS

    if table not in KINDS:
        raise ValueError(table)
    extra = ""
    if table == "messages":
        extra = f", {SENDER_ACCOUNT} AS _a, {RECIPIENT_ACCOUNT} AS _b"
    elif table == "payments":
        extra = f", {SENDER_IDENTITY} AS _a, {RECEIVER_IDENTITY} AS _b"
    elif table in ("accounts", "logins"):
        extra = f", {LOGIN_ACCOUNT} AS _a, NULL AS _b"
    elif table == "media":
        extra = ", lower(trim(found_on)) AS _a, NULL AS _b"
    elif table == "locations":  # the subject's owner: an account, or who shows that phone/device
        extra = """, CASE WHEN subject_type = 'account' THEN lower(trim(subject)) ELSE
            (SELECT min(s.entity_key) FROM selectors s WHERE s.selector_type = subject_type
             AND s.value = CASE WHEN subject_type = 'phone' THEN subject
                                ELSE lower(trim(subject)) END) END AS _a, NULL AS _b"""
    rows = r.query_dicts(f"SELECT *{extra} FROM {table} WHERE record_id = ? LIMIT 1", [record_id])
    return rows[0] if rows else None


def persons_of(r: Rows, keys: Sequence[str]) -> dict[str, str]:
    """The person of each of the given member keys that belongs to one."""
    rows = r.query(
        "SELECT member_key, person_id FROM person_members WHERE list_contains(?, member_key)",
        [list(keys)],
    )
    return {str(k): str(p) for k, p in rows}


# -- networks, targets, sessions --------------------------------------------------------------
def networks(r: Rows) -> list[dict[str, Any]]:
    """Every network, largest first."""
    return r.query_dicts("SELECT * FROM networks ORDER BY size DESC, network_id")


def network(r: Rows, network_id: str) -> dict[str, Any] | None:
    """One network's row, or None."""
    rows = r.query_dicts("SELECT * FROM networks WHERE network_id = ?", [network_id])
    return rows[0] if rows else None


def network_members(r: Rows, network_id: str) -> list[dict[str, Any]]:
    """A network's persons with their role, most central first."""
    return r.query_dicts(
        """SELECT person_id, role, centrality, bridge FROM network_members
           WHERE network_id = ? ORDER BY centrality DESC NULLS LAST, person_id""",
        [network_id],
    )


def person_edges(r: Rows) -> list[tuple[str, str, int, int, int]]:
    """(a, b, messages, payments, sessions) between every two persons (a < b).

    Needs the :data:`PARTY_INDEX` tables registered on the read connection.
    """
    rows = r.query(
        """WITH e AS (
             SELECT least(sp, rp) AS a, greatest(sp, rp) AS b, count(*) AS m, 0 AS p, 0 AS s
             FROM _msg_parties WHERE sp <> rp GROUP BY 1, 2
             UNION ALL SELECT least(sp, rp), greatest(sp, rp), 0, count(*), 0
             FROM _pay_parties WHERE sp <> rp GROUP BY 1, 2
             UNION ALL SELECT least(buyer_person, seller_person),
                              greatest(buyer_person, seller_person), 0, 0, count(*)
             FROM sessions WHERE buyer_person <> seller_person GROUP BY 1, 2)
           SELECT a, b, sum(m), sum(p), sum(s) FROM e GROUP BY a, b ORDER BY a, b"""
    )
    return [(str(a), str(b), int(m), int(p), int(s)) for a, b, m, p, s in rows]


# -- media ------------------------------------------------------------------------------------
def media_summary(r: Rows) -> dict[str, int]:
    """How many media files and hash-list entries the case holds."""
    return counts(r, ("media", "hashlist"))


def media_matches(r: Rows, limit: int, sha256: str | None = None) -> list[dict[str, Any]]:
    """Rows of ``media_matches`` (written by the media stage) when the table exists."""
    cols = columns(r, "media_matches")
    if "sha256" not in cols:
        return []
    where, params = ("WHERE sha256 = ?", [sha256]) if sha256 else ("", [])
    return r.query_dicts(
        f"SELECT * FROM media_matches {where} ORDER BY sha256 LIMIT ?", [*params, limit]
    )


def media_item(r: Rows, sha256: str) -> list[dict[str, Any]]:
    """Every stored copy of one media file: hashes, size, where found, and its source file."""
    return r.query_dicts(
        """SELECT m.record_id, m.path, m.sha256, m.md5, m.sha1, m.pdq, m.size, m.found_on,
                  m.created_at, s.sha256 AS source_sha256, m."row", s.agency AS source_agency
           FROM media m JOIN sources s USING (source_id) WHERE m.sha256 = ?
           ORDER BY m.record_id""",
        [sha256],
    )


# -- merge review and audit -------------------------------------------------------------------
def merge_queue(r: Rows, limit: int) -> list[dict[str, Any]]:
    """Model-made links (record linkage) inside one person that no analyst has decided on."""
    return r.query_dicts(
        """SELECT l.a, l.b, l.rule, l.confidence, ma.person_id,
                  ia.provider AS a_provider, ia.name AS a_name, ia.account AS a_account,
                  ia.phone AS a_phone, ia.city AS a_city,
                  ib.provider AS b_provider, ib.name AS b_name, ib.account AS b_account,
                  ib.phone AS b_phone, ib.city AS b_city
           FROM person_links l
           JOIN person_members ma ON ma.member_key = l.a
           JOIN person_members mb ON mb.member_key = l.b AND mb.person_id = ma.person_id
           LEFT JOIN payment_identities ia ON ia.identity_key = l.a
           LEFT JOIN payment_identities ib ON ib.identity_key = l.b
           WHERE l.confidence < 1.0
             AND NOT EXISTS (SELECT 1 FROM decisions d
                             WHERE d.member_key IN (l.a, l.b) OR d.other_key IN (l.a, l.b))
           ORDER BY l.confidence, l.a, l.b LIMIT ?""",
        [limit],
    )


def decisions(r: Rows) -> list[dict[str, Any]]:
    """Analysts' merge decisions, newest first, with each member's person now."""
    return r.query_dicts(
        """SELECT d.*, m.person_id FROM decisions d
           LEFT JOIN person_members m ON m.member_key = d.member_key ORDER BY d.seq DESC"""
    )


def audit_tail(r: Rows, limit: int, agency: str | None) -> list[dict[str, Any]]:
    """The newest audit entries, optionally only those about one agency.

    That is the entries its own web users made, and every read (or refused read) by anyone
    of a record from a source that agency seized.
    """
    where, params = "", []
    if agency:
        where = """WHERE json_extract_string(details, '$.agency') = $1
                     OR json_extract_string(details, '$.source_agency') = $1
                     OR list_contains(json_extract_string(details, '$.source_agencies[*]'), $1)"""
        params = [agency]
    n = f"${len(params) + 1}"
    return r.query_dicts(
        f'SELECT seq, "at", os_user, action, details FROM audit {where} ORDER BY seq DESC '
        f"LIMIT {n}",
        [*params, limit],
    )


# -- lists (paged, sorted and filtered in :mod:`threadline.web.lists`) ---------------------------
def all_sessions(r: Rows) -> list[dict[str, Any]]:
    """Every stored buyer-seller session, newest first."""
    return r.query_dicts('SELECT * FROM sessions ORDER BY "start" DESC, session_id')


def person_network_ids(r: Rows) -> dict[str, list[str]]:
    """The networks each person is in."""
    rows = r.query(
        "SELECT person_id, list(DISTINCT network_id ORDER BY network_id) FROM network_members "
        "GROUP BY person_id"
    )
    return {str(p): [str(n) for n in ns] for p, ns in rows}


def persons_list(r: Rows) -> list[dict[str, Any]]:
    """Every person with its member count, score, rank and sessions as buyer or seller."""
    return r.query_dicts(
        """WITH m AS (SELECT person_id, count(*) AS members,
                             count(*) FILTER (WHERE member_type = 'account') AS accounts
                      FROM person_members GROUP BY person_id),
             t AS (SELECT person_id, max(score) AS score, min("rank") AS "rank"
                   FROM targets GROUP BY person_id),
             s AS (SELECT p AS person_id, count(*) AS sessions FROM (
                     SELECT buyer_person AS p FROM sessions UNION ALL
                     SELECT seller_person FROM sessions) WHERE p IS NOT NULL GROUP BY p)
           SELECT m.person_id, m.members, m.accounts, t.score, t."rank",
                  coalesce(s.sessions, 0) AS sessions
           FROM m LEFT JOIN t USING (person_id) LEFT JOIN s USING (person_id)
           ORDER BY m.person_id"""
    )


def quarantine_rows(r: Rows) -> list[dict[str, Any]]:
    """Every quarantined input row with its source file, agency and reason."""
    return r.query_dicts(
        """SELECT s.sha256 AS source_sha256, regexp_replace(s.path, '^.*[/\\\\]', '') AS file,
                  s.agency AS source_agency, s.kind, q."row", q.field, q.reason, q.detail,
                  q.original
           FROM quarantine q JOIN sources s USING (source_id)
           ORDER BY s.ingested_at, s.source_id, q."row", q.field"""
    )


def all_media_matches(r: Rows) -> list[dict[str, Any]]:
    """Every hash-list match (none when the media stage has not run)."""
    if "sha256" not in columns(r, "media_matches"):
        return []
    return r.query_dicts("SELECT * FROM media_matches ORDER BY sha256, list_name")
