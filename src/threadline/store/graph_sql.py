"""SQL of the graph stage: chat indicator hits, person-to-person edges, person features.

Everything proportional to messages or payments is aggregated here, on the engine; the
graph stage then works on persons only.
"""

from __future__ import annotations

from threadline.store.engine import Engine, quote_literal
from threadline.store.resolve_sql import account_key

# Rough mid-2024 US dollar values of the currencies in remittance corridors, to compare
# amounts across currencies (the amounts themselves stay exact in their own currency).
USD_PER_UNIT = {
    "USD": 1.0, "EUR": 1.08, "GBP": 1.27, "AUD": 0.66, "CAD": 0.73, "NZD": 0.61,
    "SEK": 0.095, "NOK": 0.094, "DKK": 0.145, "CHF": 1.12, "JPY": 0.0064, "KRW": 0.00073,
    "SGD": 0.74, "HKD": 0.128, "AED": 0.27, "SAR": 0.27, "QAR": 0.27, "KWD": 3.26,
    "PHP": 0.0171, "INR": 0.012, "MYR": 0.21, "TWD": 0.031, "ILS": 0.27, "PLN": 0.25,
}
FOLD_FROM, FOLD_TO = "013457@$", "oieastas"

GRAPH_TABLES = {
    "fx_rates": "currency VARCHAR, usd DOUBLE",
    "chat_hits": """record_id VARCHAR, sender VARCHAR, recipient VARCHAR, sent_at TIMESTAMP,
        category VARCHAR, source_id VARCHAR, "row" BIGINT""",
    "person_edges": """a VARCHAR, b VARCHAR, kind VARCHAR, n BIGINT, usd DOUBLE,
        first TIMESTAMP, last TIMESTAMP""",
    "person_features": """person_id VARCHAR, accounts BIGINT, identities BIGINT,
        ph_signals BIGINT, foreign_signals BIGINT, counterparts BIGINT,
        initiated_by_others BIGINT, request_sent BIGINT, request_received BIGINT,
        price_sent BIGINT, live_sent BIGINT, logistics_sent BIGINT,
        senders_in BIGINT, foreign_senders_in BIGINT, payments_in BIGINT, usd_in DOUBLE,
        median_usd_in DOUBLE, receivers_out BIGINT, payments_out BIGINT, usd_out DOUBLE,
        median_usd_out DOUBLE, first_activity TIMESTAMP, last_activity TIMESTAMP""",
}


def create_tables(engine: Engine) -> None:
    for name, body in GRAPH_TABLES.items():
        engine.execute(f"CREATE TABLE IF NOT EXISTS {name} ({body})")
    engine.execute("DELETE FROM fx_rates")
    values = ", ".join(f"({quote_literal(c)}, {u})" for c, u in sorted(USD_PER_UNIT.items()))
    engine.execute(f"INSERT INTO fx_rates VALUES {values}")


def folded_text(expr: str) -> str:
    """Messages folded like chat-pack terms: lower case, no accents, digit swaps, spacing."""
    return (
        f"regexp_replace(translate(strip_accents(lower({expr})), '{FOLD_FROM}', '{FOLD_TO}'), "
        r"'\s+', ' ', 'g')"
    )


def build_chat_hits(engine: Engine, patterns: dict[str, str]) -> None:
    engine.execute("DELETE FROM chat_hits")
    for category, pattern in sorted(patterns.items()):
        engine.execute(
            f"""INSERT INTO chat_hits
                SELECT record_id, {account_key('platform', 'sender')},
                       {account_key('platform', 'recipient')}, sent_at, ?, source_id, "row"
                FROM messages WHERE regexp_matches({folded_text('text')}, ?)""",
            [category, pattern],
        )


_MEMBERS = """(SELECT member_key, person_id FROM person_members)"""


def build_edges(engine: Engine) -> None:
    """Person-to-person edges from messages and payments (direction kept)."""
    engine.execute("DELETE FROM person_edges")
    engine.execute(
        f"""INSERT INTO person_edges
            SELECT s.person_id, r.person_id, 'message', count(*), NULL, min(m.sent_at),
                   max(m.sent_at)
            FROM messages m
            JOIN {_MEMBERS} s ON s.member_key = {account_key('m.platform', 'm.sender')}
            JOIN {_MEMBERS} r ON r.member_key = {account_key('m.platform', 'm.recipient')}
            WHERE s.person_id <> r.person_id
            GROUP BY s.person_id, r.person_id"""
    )
    for side_from, side_to in (("sender", "receiver"),):
        engine.execute(
            f"""INSERT INTO person_edges
                SELECT s.person_id, r.person_id, 'payment', count(*),
                       sum(CAST(p.amount AS DOUBLE) * coalesce(fx.usd, 1.0)), min(p.sent_at),
                       max(p.sent_at)
                FROM payments p
                JOIN payment_identities si ON si.identity_key = {_identity('p', side_from)}
                JOIN payment_identities ri ON ri.identity_key = {_identity('p', side_to)}
                JOIN {_MEMBERS} s ON s.member_key = si.identity_key
                JOIN {_MEMBERS} r ON r.member_key = ri.identity_key
                LEFT JOIN fx_rates fx ON fx.currency = p.currency
                WHERE s.person_id <> r.person_id
                GROUP BY s.person_id, r.person_id"""
        )


def _identity(alias: str, side: str) -> str:
    from threadline.store.resolve_sql import identity_key_sql

    return identity_key_sql(side, alias)


def build_features(engine: Engine) -> None:
    """One row of behaviour per person, aggregated from messages, hits and payments."""
    engine.execute("DELETE FROM person_features")
    acct = account_key("ac.platform", "ac.account_id")
    engine.execute(
        f"""INSERT INTO person_features
        WITH acct AS (SELECT member_key, person_id FROM person_members
                      WHERE member_type = 'account'),
        sig AS (
            SELECT a.person_id,
                   CASE WHEN ac.country = 'PH' OR ac.phone LIKE '+63%' THEN 1 ELSE 0 END AS ph,
                   CASE WHEN ac.country <> 'PH' OR ac.phone NOT LIKE '+63%' THEN 1 ELSE 0 END
                       AS fr
            FROM acct a JOIN accounts ac ON {acct} = a.member_key
            UNION ALL
            SELECT m.person_id,
                   CASE WHEN i.country = 'PH' OR i.phone LIKE '+63%' THEN 1 ELSE 0 END,
                   CASE WHEN i.country <> 'PH' OR i.phone NOT LIKE '+63%' THEN 1 ELSE 0 END
            FROM person_members m JOIN payment_identities i ON i.identity_key = m.member_key),
        msg AS (
            SELECT p, count(DISTINCT q) AS counterparts, min(f) AS first, max(l) AS last
            FROM (SELECT a AS p, b AS q, first AS f, last AS l FROM person_edges
                  WHERE kind = 'message'
                  UNION ALL SELECT b, a, first, last FROM person_edges WHERE kind = 'message')
            GROUP BY p),
        starts AS (
            SELECT arg_min(s.person_id, m.sent_at) AS initiator,
                   arg_min(r.person_id, m.sent_at) AS answered
            FROM messages m
            JOIN acct s ON s.member_key = {account_key('m.platform', 'm.sender')}
            JOIN acct r ON r.member_key = {account_key('m.platform', 'm.recipient')}
            GROUP BY least(s.person_id, r.person_id), greatest(s.person_id, r.person_id)),
        init AS (SELECT answered AS p, count(*) AS n FROM starts GROUP BY answered),
        hits AS (
            SELECT s.person_id AS p,
                   count(DISTINCT r.person_id) FILTER (WHERE h.category = 'request')
                       AS request_sent,
                   count(DISTINCT r.person_id) FILTER (WHERE h.category = 'price') AS price_sent,
                   count(DISTINCT r.person_id) FILTER (WHERE h.category = 'live') AS live_sent,
                   count(DISTINCT r.person_id) FILTER (WHERE h.category = 'payment_logistics')
                       AS logistics_sent
            FROM chat_hits h JOIN acct s ON s.member_key = h.sender
            JOIN acct r ON r.member_key = h.recipient
            WHERE s.person_id <> r.person_id GROUP BY s.person_id),
        hits_in AS (
            SELECT r.person_id AS p, count(DISTINCT s.person_id) AS request_received
            FROM chat_hits h JOIN acct s ON s.member_key = h.sender
            JOIN acct r ON r.member_key = h.recipient
            WHERE h.category = 'request' AND s.person_id <> r.person_id GROUP BY r.person_id),
        pay AS (
            SELECT si.person_id AS sp, ri.person_id AS rp, p.sender_country AS sc,
                   p.receiver_country AS rc, p.sent_at,
                   CAST(p.amount AS DOUBLE) * coalesce(fx.usd, 1.0) AS usd
            FROM payments p
            JOIN person_members si ON si.member_key = {_identity('p', 'sender')}
            JOIN person_members ri ON ri.member_key = {_identity('p', 'receiver')}
            LEFT JOIN fx_rates fx ON fx.currency = p.currency),
        pin AS (
            SELECT rp AS p, count(DISTINCT sp) AS senders,
                   count(DISTINCT sp) FILTER (WHERE sc IS DISTINCT FROM rc) AS foreign_senders,
                   count(*) AS n, sum(usd) AS usd, median(usd) AS med,
                   min(sent_at) AS first, max(sent_at) AS last
            FROM pay GROUP BY rp),
        pout AS (
            SELECT sp AS p, count(DISTINCT rp) AS receivers, count(*) AS n, sum(usd) AS usd,
                   median(usd) AS med, min(sent_at) AS first, max(sent_at) AS last
            FROM pay GROUP BY sp),
        people AS (
            SELECT person_id,
                   sum(CASE WHEN member_type = 'account' THEN 1 ELSE 0 END) AS accounts,
                   sum(CASE WHEN member_type = 'payment_identity' THEN 1 ELSE 0 END) AS ids
            FROM person_members GROUP BY person_id),
        sigs AS (SELECT person_id, sum(ph) AS ph, sum(fr) AS fr FROM sig GROUP BY person_id)
        SELECT pe.person_id, pe.accounts, pe.ids, coalesce(sg.ph, 0), coalesce(sg.fr, 0),
               coalesce(msg.counterparts, 0), coalesce(init.n, 0),
               coalesce(hits.request_sent, 0), coalesce(hits_in.request_received, 0),
               coalesce(hits.price_sent, 0), coalesce(hits.live_sent, 0),
               coalesce(hits.logistics_sent, 0), coalesce(pin.senders, 0),
               coalesce(pin.foreign_senders, 0), coalesce(pin.n, 0), coalesce(pin.usd, 0),
               pin.med, coalesce(pout.receivers, 0), coalesce(pout.n, 0),
               coalesce(pout.usd, 0), pout.med,
               least(msg.first, pin.first, pout.first), greatest(msg.last, pin.last, pout.last)
        FROM people pe
        LEFT JOIN sigs sg ON sg.person_id = pe.person_id
        LEFT JOIN msg ON msg.p = pe.person_id
        LEFT JOIN init ON init.p = pe.person_id
        LEFT JOIN hits ON hits.p = pe.person_id
        LEFT JOIN hits_in ON hits_in.p = pe.person_id
        LEFT JOIN pin ON pin.p = pe.person_id
        LEFT JOIN pout ON pout.p = pe.person_id
        ORDER BY pe.person_id"""
    )
