"""SQL of the share layer: referral packages, selector exchange and the standard exports.

Every query that reads a person's data takes the person ids as one list parameter, so a
country's package asks the store only about that country's targets (minimal disclosure
starts at the query, not at the writer).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from threadline.resolve.sql import account_key, identity_key_sql
from threadline.store.engine import Engine, quote_literal
from threadline.store.exporter import iso

SENDER_KEY = account_key("platform", "sender")
RECIPIENT_KEY = account_key("platform", "recipient")
ACCOUNT_KEY = account_key("a.platform", "a.account_id")
# The selector kinds that identify a person when exchanged between agencies.
STRONG_KINDS = ("phone", "email", "device", "payment_account")
SELLER_ROLES = ("seller", "facilitator")


# -- referral packages -----------------------------------------------------------------------
def _members(types: str = "'account', 'payment_identity'") -> str:
    return f"""mem AS (SELECT person_id, member_type, member_key FROM person_members
                       WHERE list_contains(?, person_id) AND member_type IN ({types}))"""


def person_accounts(engine: Engine, pids: Sequence[str]) -> list[dict[str, Any]]:
    """Each person's account handles with what the accounts table says about them."""
    return engine.query_dicts(
        f"""WITH {_members("'account'")}
        SELECT m.person_id, split_part(m.member_key, ':', 1) AS platform,
               substr(m.member_key, strpos(m.member_key, ':') + 1) AS account_id,
               min(a.display_name) AS display_name, min(a.email) AS email,
               min(a.phone) AS phone, {iso("min(a.created_at)")} AS created_at,
               min(a.country) AS country,
               coalesce(list(DISTINCT {{'source_sha256': s.sha256, 'row': a."row"}})
                        FILTER (WHERE a.record_id IS NOT NULL), []) AS evidence
        FROM mem m
        LEFT JOIN accounts a ON m.member_key = {ACCOUNT_KEY}
        LEFT JOIN sources s ON s.source_id = a.source_id
        GROUP BY 1, 2, 3 ORDER BY 1, 2, 3""",
        [list(pids)],
    )


def identifying_values(engine: Engine, pids: Sequence[str]) -> list[str]:
    """Every handle, name, phone, e-mail and payment account of these persons."""
    rows = engine.query(
        f"""WITH {_members()},
        v AS (
            SELECT member_key AS v FROM mem WHERE member_type = 'account'
            UNION SELECT substr(member_key, strpos(member_key, ':') + 1) FROM mem
                WHERE member_type = 'account'
            UNION SELECT unnest([i.name, i.account, i.phone]) FROM mem m
                JOIN payment_identities i ON i.identity_key = m.member_key
            UNION SELECT unnest([a.display_name, a.email, a.phone, a.account_id]) FROM mem m
                JOIN accounts a ON m.member_key = {ACCOUNT_KEY})
        SELECT DISTINCT v FROM v WHERE v IS NOT NULL AND length(v) >= 3""",
        [list(pids)],
    )
    return [str(r[0]) for r in rows]


def person_identities(engine: Engine, pids: Sequence[str]) -> list[dict[str, Any]]:
    """Each person's payment identities (one way of writing a party on one provider)."""
    return engine.query_dicts(
        f"""WITH {_members("'payment_identity'")}
        SELECT m.person_id, i.identity_key, i.provider, i.name, i.account, i.phone, i.country,
               i.city, i.side, i.payments
        FROM mem m JOIN payment_identities i ON i.identity_key = m.member_key
        ORDER BY 1, i.provider, i.name, i.identity_key""",
        [list(pids)],
    )


def jurisdiction_evidence(engine: Engine, pids: Sequence[str]) -> list[dict[str, Any]]:
    """What ties each person to a country, with how many rows show it and the first three.

    The ties are account country fields, payment party countries and phone numbers.
    """
    sender, receiver = identity_key_sql("p.sender"), identity_key_sql("p.receiver")
    return engine.query_dicts(
        f"""WITH {_members()},
        ev AS (
            SELECT m.person_id, 'account country' AS basis, a.country AS value,
                   s.sha256 AS source_sha256, a."row"
            FROM mem m JOIN accounts a ON m.member_key = {ACCOUNT_KEY}
            JOIN sources s ON s.source_id = a.source_id WHERE a.country IS NOT NULL
            UNION ALL
            SELECT m.person_id, 'payment sender country', p.sender_country, s.sha256, p."row"
            FROM mem m JOIN payments p ON m.member_key = {sender}
            JOIN sources s ON s.source_id = p.source_id WHERE p.sender_country IS NOT NULL
            UNION ALL
            SELECT m.person_id, 'payment receiver country', p.receiver_country, s.sha256,
                   p."row"
            FROM mem m JOIN payments p ON m.member_key = {receiver}
            JOIN sources s ON s.source_id = p.source_id WHERE p.receiver_country IS NOT NULL
            UNION ALL
            SELECT m.person_id, 'phone number', x.value, s.sha256, x."row"
            FROM mem m JOIN selectors x ON x.entity_key = m.member_key
            JOIN sources s ON s.source_id = x.source_id WHERE x.selector_type = 'phone')
        SELECT person_id, basis, value, count(*) AS "rows",
               list({{'source_sha256': source_sha256, 'row': "row"}}
                    ORDER BY source_sha256, "row")[1:3] AS evidence
        FROM ev GROUP BY ALL ORDER BY person_id, basis, value""",
        [list(pids)],
    )


def person_sessions(engine: Engine, pids: Sequence[str]) -> list[dict[str, Any]]:
    """Paid sessions where one of the persons is the buyer or the seller."""
    return engine.query_dicts(
        f"""SELECT session_id, buyer_platform, buyer_account, seller_platform, seller_account,
                   buyer_person, seller_person, {iso('"start"')} AS "start",
                   {iso('"end"')} AS "end", payment_transaction_ids, login_ips, confidence,
                   evidence
            FROM sessions
            WHERE list_contains(?, buyer_person) OR list_contains(?, seller_person)
            ORDER BY "start", session_id""",
        [list(pids), list(pids)],
    )


def person_payments(engine: Engine, pids: Sequence[str]) -> list[dict[str, Any]]:
    """Payments each person sent or received, with the counterpart's person and country."""
    return engine.query_dicts(
        f"""WITH {_members("'payment_identity'")},
        p AS (SELECT *, {identity_key_sql("sender")} AS s_key,
                     {identity_key_sql("receiver")} AS r_key FROM payments),
        x AS (SELECT m.person_id, 'sent' AS direction, p.*, p.r_key AS other_key,
                     p.receiver_country AS counterpart_country
              FROM p JOIN mem m ON m.member_key = p.s_key
              UNION ALL
              SELECT m.person_id, 'received', p.*, p.s_key, p.sender_country
              FROM p JOIN mem m ON m.member_key = p.r_key)
        SELECT x.person_id, x.direction, x.provider, x.transaction_id,
               {iso("x.sent_at")} AS sent_at, CAST(x.amount AS VARCHAR) AS amount,
               x.currency, x.status, x.counterpart_country,
               c.person_id AS counterpart_person, s.sha256 AS source_sha256, x."row"
        FROM x LEFT JOIN person_members c ON c.member_key = x.other_key
        JOIN sources s ON s.source_id = x.source_id
        ORDER BY x.person_id, x.sent_at, x.transaction_id""",
        [list(pids)],
    )


def person_networks(engine: Engine, pids: Sequence[str]) -> list[dict[str, Any]]:
    """The networks each person is in: their role there, and each network's size, span, summary."""
    return engine.query_dicts(
        f"""SELECT m.person_id, n.network_id, m.role, m.centrality, m.bridge, n.size,
                   n.sellers, n.buyers, {iso("n.first_activity")} AS first_activity,
                   {iso("n.last_activity")} AS last_activity, n.summary
            FROM network_members m JOIN networks n ON n.network_id = m.network_id
            WHERE list_contains(?, m.person_id) ORDER BY m.person_id, n.network_id""",
        [list(pids)],
    )


def person_rescue(engine: Engine, pids: Sequence[str]) -> list[dict[str, Any]]:
    """Each person's rescue estimate (place, radius, last activity), highest priority first."""
    return engine.query_dicts(
        f"""SELECT person_id, lat, lon, radius_m, country, admin_area,
                   {iso("last_activity")} AS last_activity, priority, evidence
            FROM rescue WHERE list_contains(?, person_id)
            ORDER BY priority DESC NULLS LAST, person_id""",
        [list(pids)],
    )


def person_media(engine: Engine, pids: Sequence[str]) -> list[dict[str, Any]]:
    """Media tied to each person, with hash-list category and series: hashes only.

    Tied means found on their accounts or devices, or attached to their messages; the
    result never holds a path or file name.
    """
    keys = f"""keys AS (
            SELECT person_id, member_key AS k FROM person_members
            WHERE list_contains(?, person_id) AND member_type = 'account'
            UNION SELECT m.person_id, x.value FROM person_members m
            JOIN selectors x ON x.entity_key = m.member_key AND x.selector_type = 'device'
            WHERE list_contains(?, m.person_id)),
        att AS (
            SELECT k.person_id, g.attachment_sha256 AS sha256 FROM messages g
            JOIN keys k ON k.k = {SENDER_KEY} WHERE g.attachment_sha256 IS NOT NULL
            UNION SELECT k.person_id, g.attachment_sha256 FROM messages g
            JOIN keys k ON k.k = {RECIPIENT_KEY} WHERE g.attachment_sha256 IS NOT NULL)"""
    hits = """h AS (SELECT sha256, found_on, "match", category, CAST(series_id AS VARCHAR)
                      AS series, list_name FROM media_matches)"""
    return engine.query_dicts(
        f"""WITH {keys}, {hits}
        SELECT DISTINCT k.person_id, h.sha256, h."match", h.category, h.series, h.list_name
        FROM h JOIN keys k ON lower(trim(h.found_on)) = k.k
        UNION SELECT a.person_id, h.sha256, h."match", h.category, h.series, h.list_name
        FROM h JOIN att a ON a.sha256 = h.sha256
        ORDER BY 1, 4 NULLS LAST, 5 NULLS LAST, 2""",
        [list(pids), list(pids)],
    )


def person_ips(engine: Engine, pids: Sequence[str]) -> list[dict[str, Any]]:
    """Each person's login IPs: first and last seen, logins, and the address's country and ASN.

    Most-used addresses first; the first three login rows of each are the evidence.
    """
    acct = account_key("l.platform", "l.account_id")
    return engine.query_dicts(
        f"""WITH {_members("'account'")},
        l AS (SELECT m.person_id, l.ip, l."at", s.sha256, l."row"
              FROM mem m JOIN logins l ON m.member_key = {acct}
              JOIN sources s ON s.source_id = l.source_id)
        SELECT l.person_id, l.ip, {iso("min(l.at)")} AS first_seen,
               {iso("max(l.at)")} AS last_seen, count(*) AS logins,
               any_value(g.country) AS ip_country, any_value(g.asn) AS asn,
               any_value(g.hosting) AS hosting,
               list({{'source_sha256': l.sha256, 'row': l."row"}}
                    ORDER BY l."at", l.sha256, l."row")[1:3] AS evidence
        FROM l LEFT JOIN ip_geo g ON g.ip = l.ip
        GROUP BY l.person_id, l.ip
        ORDER BY l.person_id, count(*) DESC, max(l.at) DESC, l.ip""",
        [list(pids)],
    )


def sources_by_sha256(engine: Engine, shas: Sequence[str]) -> list[dict[str, Any]]:
    """The cited sources: hash, kind, agency and seizure (never the analyst's file path)."""
    return engine.query_dicts(
        f"""SELECT sha256, kind, format, agency, seizure, {iso("ingested_at")} AS ingested_at
            FROM sources WHERE list_contains(?, sha256) ORDER BY sha256""",
        [list(shas)],
    )


# -- deconfliction ----------------------------------------------------------------------------
def strong_selectors(engine: Engine) -> list[dict[str, Any]]:
    """Each person's strong selectors (kind, normalised value) with role and first/last seen.

    Usernames are account handles (``platform:handle``); their time window is the account's
    activity (messages, logins, creation).
    """
    kinds = ", ".join(quote_literal(k) for k in STRONG_KINDS)
    return engine.query_dicts(
        f"""WITH sel AS (
            SELECT m.person_id, x.selector_type AS kind, x.value, x."at"
            FROM selectors x JOIN person_members m ON m.member_key = x.entity_key
            WHERE x.selector_type IN ({kinds}) AND x.value IS NOT NULL
            UNION ALL
            SELECT m.person_id, 'username', m.member_key, t."at"
            FROM person_members m LEFT JOIN (
                SELECT {SENDER_KEY} AS k, sent_at AS "at" FROM messages
                UNION ALL SELECT {RECIPIENT_KEY}, sent_at FROM messages
                UNION ALL SELECT {account_key("platform", "account_id")}, "at" FROM logins
                UNION ALL SELECT {account_key("platform", "account_id")}, created_at
                    FROM accounts) t ON t.k = m.member_key
            WHERE m.member_type = 'account')
        SELECT s.person_id, s.kind, s.value, coalesce(r.role, 'unknown') AS role,
               min(s."at") AS first_seen, max(s."at") AS last_seen
        FROM sel s LEFT JOIN person_roles r ON r.person_id = s.person_id
        GROUP BY ALL ORDER BY s.person_id, s.kind, s.value"""
    )
