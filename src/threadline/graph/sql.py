"""SQL of the graph stage: chat indicator hits, person-to-person edges, person features.

Everything proportional to messages or payments is aggregated here, on the engine; the
graph stage then works on persons only.
"""

from __future__ import annotations

from threadline.resolve.sql import account_key
from threadline.resolve.stable_ids import history_export_sql
from threadline.store.engine import Engine, quote_literal
from threadline.store.tables import Table, table

# Rough mid-2024 US dollar values of the currencies in remittance corridors, to compare
# amounts across currencies (the amounts themselves stay exact in their own currency).
USD_PER_UNIT = {
    "USD": 1.0,
    "EUR": 1.08,
    "GBP": 1.27,
    "AUD": 0.66,
    "CAD": 0.73,
    "NZD": 0.61,
    "SEK": 0.095,
    "NOK": 0.094,
    "DKK": 0.145,
    "CHF": 1.12,
    "JPY": 0.0064,
    "KRW": 0.00073,
    "SGD": 0.74,
    "HKD": 0.128,
    "AED": 0.27,
    "SAR": 0.27,
    "QAR": 0.27,
    "KWD": 3.26,
    "PHP": 0.0171,
    "INR": 0.012,
    "MYR": 0.21,
    "TWD": 0.031,
    "ILS": 0.27,
    "PLN": 0.25,
}
FOLD_FROM, FOLD_TO = "013457@$", "oieastas"

TABLES: dict[str, Table] = {
    "fx_rates": table("currency VARCHAR, usd DOUBLE", per_table_export=False),
    "chat_hits": table(
        """record_id VARCHAR, sender VARCHAR, recipient VARCHAR, sent_at TIMESTAMP,
        category VARCHAR, source_id VARCHAR, "row" BIGINT""",
        per_table_export=False,
    ),
    # Messages counted per (sender, recipient) account pair: the graph's one pass over them.
    "message_pairs": table(
        "sk VARCHAR, rk VARCHAR, n BIGINT, first TIMESTAMP, last TIMESTAMP",
        per_table_export=False,
    ),
    "person_edges": table(
        """a VARCHAR, b VARCHAR, kind VARCHAR, n BIGINT, usd DOUBLE,
        first TIMESTAMP, last TIMESTAMP""",
        per_table_export=False,
    ),
    "person_features": table(
        """person_id VARCHAR, accounts BIGINT, identities BIGINT,
        ph_signals BIGINT, foreign_signals BIGINT, counterparts BIGINT,
        initiated_by_others BIGINT, request_sent BIGINT, request_received BIGINT,
        price_sent BIGINT, live_sent BIGINT, logistics_sent BIGINT,
        senders_in BIGINT, foreign_senders_in BIGINT, payments_in BIGINT, usd_in DOUBLE,
        median_usd_in DOUBLE, receivers_out BIGINT, payments_out BIGINT, usd_out DOUBLE,
        median_usd_out DOUBLE, first_activity TIMESTAMP, last_activity TIMESTAMP""",
        per_table_export=False,
    ),
    # One row per person: the role decided by the graph stage (or an analyst override).
    "person_roles": table(
        """person_id VARCHAR, role VARCHAR, confidence DOUBLE, reasons VARCHAR,
        evidence VARCHAR, overridden BOOLEAN"""
    ),
    "role_overrides": table(
        """seq BIGINT, "at" TIMESTAMP, os_user VARCHAR, person_id VARCHAR,
        role VARCHAR, reason VARCHAR"""
    ),
    "networks": table(
        """network_id VARCHAR, size BIGINT, sellers BIGINT, buyers BIGINT,
        first_activity TIMESTAMP, last_activity TIMESTAMP, summary VARCHAR"""
    ),
    # Membership of persons in networks: role inside it, centrality, bridge flag.
    "network_members": table(
        """network_id VARCHAR, person_id VARCHAR, role VARCHAR,
        centrality DOUBLE, bridge BOOLEAN"""
    ),
    # Why each facilitator and pickup is in its network: the ties between two members, by
    # kind (``selector:<type>``, ``message``, ``chat_then_pay`` excess over chance, and
    # ``shared_pickup`` via the pickup person both facilitators are tied to by money).
    "network_ties": table(
        """network_id VARCHAR, a VARCHAR, b VARCHAR, kind VARCHAR, via VARCHAR,
        observations DOUBLE""",
        per_table_export=False,
    ),
    # What became of network ids that changed (graph/stable_ids.py): merge, split, ...
    "network_history": table(
        """old_id VARCHAR, new_id VARCHAR, change VARCHAR, "at" TIMESTAMP, cause VARCHAR,
        decision BIGINT, evidence VARCHAR"""
    ),
    # The networks' core members before the analysis in flight (ids are reckoned on them).
    "network_id_baseline": table("network_id VARCHAR, person_id VARCHAR", per_table_export=False),
}


def write_fx_rates(engine: Engine) -> None:
    """The dollar values above as a table the statements join."""
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
    """Find the messages whose folded text matches each category's pattern."""
    engine.execute("DELETE FROM chat_hits")
    for category, pattern in sorted(patterns.items()):
        engine.execute(
            f"""INSERT INTO chat_hits
                SELECT record_id, {account_key("platform", "sender")},
                       {account_key("platform", "recipient")}, sent_at, ?, source_id, "row"
                FROM messages WHERE regexp_matches({folded_text("text")}, ?)""",
            [category, pattern],
        )


def build_edges(engine: Engine) -> None:
    """Person-to-person edges from messages and payments (direction kept).

    Messages are first counted per (sender, recipient) account pair, far fewer than
    messages, and each end is then looked up in ``person_members`` by an equi-join. Edges of
    a person with itself are deleted afterwards rather than filtered in the join: a
    ``s.person_id <> r.person_id`` join condition lets the planner pair ``person_members``
    with itself first, a nested loop of every member with every member (issue 16).
    """
    engine.execute("DELETE FROM message_pairs")
    engine.execute(
        f"""INSERT INTO message_pairs
            SELECT {account_key("platform", "sender")} AS sk,
                   {account_key("platform", "recipient")} AS rk,
                   count(*), min(sent_at), max(sent_at)
            FROM messages GROUP BY sk, rk"""
    )
    engine.execute("DELETE FROM person_edges")
    engine.execute(
        """INSERT INTO person_edges
            SELECT s.person_id, r.person_id, 'message', sum(p.n), NULL, min(p.first),
                   max(p.last)
            FROM message_pairs p
            JOIN person_members s ON s.member_key = p.sk
            JOIN person_members r ON r.member_key = p.rk
            GROUP BY s.person_id, r.person_id"""
    )
    engine.execute(
        f"""INSERT INTO person_edges
            SELECT s.person_id, r.person_id, 'payment', count(*),
                   sum(CAST(p.amount AS DOUBLE) * coalesce(fx.usd, 1.0)), min(p.sent_at),
                   max(p.sent_at)
            FROM payments p
            JOIN payment_identities si ON si.identity_key = {_identity("p", "sender")}
            JOIN payment_identities ri ON ri.identity_key = {_identity("p", "receiver")}
            JOIN person_members s ON s.member_key = si.identity_key
            JOIN person_members r ON r.member_key = ri.identity_key
            LEFT JOIN fx_rates fx ON fx.currency = p.currency
            GROUP BY s.person_id, r.person_id"""
    )
    engine.execute("DELETE FROM person_edges WHERE a = b")


def _identity(alias: str, side: str) -> str:
    from threadline.resolve.sql import identity_key_sql

    return identity_key_sql(side, alias)


# Sender and recipient are different persons. Tested inside the aggregates, after the joins:
# as a WHERE clause the planner may pair the two person lookups first, in a nested loop.
_OTHER = "sp <> rp"


def build_features(engine: Engine) -> None:
    """One row of behaviour per person, aggregated from message pairs, hits and payments."""
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
            SELECT arg_min(s.person_id, m.first) AS initiator,
                   arg_min(r.person_id, m.first) AS answered
            FROM message_pairs m
            JOIN acct s ON s.member_key = m.sk
            JOIN acct r ON r.member_key = m.rk
            GROUP BY least(s.person_id, r.person_id), greatest(s.person_id, r.person_id)),
        init AS (SELECT answered AS p, count(*) AS n FROM starts GROUP BY answered),
        hit_pairs AS (
            SELECT s.person_id AS sp, r.person_id AS rp, h.category
            FROM (SELECT DISTINCT sender, recipient, category FROM chat_hits) h
            JOIN acct s ON s.member_key = h.sender
            JOIN acct r ON r.member_key = h.recipient),
        hits AS (
            SELECT sp AS p,
                   count(DISTINCT rp) FILTER (WHERE category = 'request' AND {_OTHER})
                       AS request_sent,
                   count(DISTINCT rp) FILTER (WHERE category = 'price' AND {_OTHER})
                       AS price_sent,
                   count(DISTINCT rp) FILTER (WHERE category = 'live' AND {_OTHER})
                       AS live_sent,
                   count(DISTINCT rp) FILTER (WHERE category = 'payment_logistics'
                                              AND {_OTHER}) AS logistics_sent
            FROM hit_pairs GROUP BY sp),
        hits_in AS (
            SELECT rp AS p,
                   count(DISTINCT sp) FILTER (WHERE category = 'request' AND {_OTHER})
                       AS request_received
            FROM hit_pairs GROUP BY rp),
        pay AS (
            SELECT si.person_id AS sp, ri.person_id AS rp, p.sender_country AS sc,
                   p.receiver_country AS rc, p.sent_at,
                   CAST(p.amount AS DOUBLE) * coalesce(fx.usd, 1.0) AS usd
            FROM payments p
            JOIN person_members si ON si.member_key = {_identity("p", "sender")}
            JOIN person_members ri ON ri.member_key = {_identity("p", "receiver")}
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


def features(engine: Engine) -> list[dict[str, object]]:
    """Every person's behaviour features, in person order."""
    return engine.query_dicts("SELECT * FROM person_features ORDER BY person_id")


def edges(engine: Engine, kinds: tuple[str, ...]) -> list[tuple[str, str, str, int, float]]:
    """Ties between persons of the given kinds: (a, b, kind, count, USD total), in order."""
    in_kinds = ", ".join(quote_literal(k) for k in kinds)
    return [
        (str(a), str(b), str(k), int(n), float(u or 0.0))
        for a, b, k, n, u in engine.query(
            f"SELECT a, b, kind, n, usd FROM person_edges WHERE kind IN ({in_kinds}) "
            "ORDER BY a, b, kind"
        )
    ]


def chat_evidence(
    engine: Engine, per_kind: int = 3
) -> dict[str, dict[str, list[dict[str, object]]]]:
    """Per person and chat-indicator category, the first few message rows it sent."""
    rows = engine.query(
        f"""SELECT person_id, category, source_sha256, "row" FROM (
              SELECT m.person_id, h.category, src.sha256 AS source_sha256, h."row",
                     row_number() OVER (PARTITION BY m.person_id, h.category
                                        ORDER BY h.sent_at, h.source_id, h."row") AS k
              FROM chat_hits h JOIN person_members m ON m.member_key = h.sender
              JOIN sources src ON src.source_id = h.source_id)
            WHERE k <= {int(per_kind)} ORDER BY person_id, category, k"""
    )
    out: dict[str, dict[str, list[dict[str, object]]]] = {}
    for person, category, sha, row in rows:
        out.setdefault(str(person), {}).setdefault(str(category), []).append(
            {"source_sha256": sha, "row": int(row), "table": "messages", "note": category}
        )
    return out


def payment_evidence(
    engine: Engine, per_side: int = 3
) -> dict[str, dict[str, list[dict[str, object]]]]:
    """Per person and side (sender/receiver), the first few payment rows."""
    parts = " UNION ALL ".join(
        f"""SELECT m.person_id, '{side}' AS side, src.sha256 AS source_sha256, p."row",
                   p.sent_at, p.provider || ' ' || p.transaction_id AS note
            FROM payments p JOIN person_members m ON m.member_key = {_identity("p", side)}
            JOIN sources src ON src.source_id = p.source_id"""
        for side in ("sender", "receiver")
    )
    rows = engine.query(
        f"""SELECT person_id, side, source_sha256, "row", note FROM (
              SELECT *, row_number() OVER (PARTITION BY person_id, side
                                           ORDER BY sent_at, source_sha256, "row") AS k
              FROM ({parts}))
            WHERE k <= {int(per_side)} ORDER BY person_id, side, k"""
    )
    out: dict[str, dict[str, list[dict[str, object]]]] = {}
    for person, side, sha, row, note in rows:
        out.setdefault(str(person), {}).setdefault(str(side), []).append(
            {"source_sha256": sha, "row": int(row), "table": "payments", "note": note}
        )
    return out


def write_roles(engine: Engine, rows: list[dict[str, object]]) -> None:
    """Replace the stored roles with ``rows``."""
    import pyarrow as pa

    engine.execute("DELETE FROM person_roles")
    if not rows:
        return
    engine.register("_roles", pa.Table.from_pylist(rows))
    try:
        engine.execute(
            "INSERT INTO person_roles SELECT person_id, role, confidence, reasons, evidence, "
            "overridden FROM _roles"
        )
    finally:
        engine.unregister("_roles")


def role_overrides(engine: Engine) -> dict[str, tuple[str, str]]:
    """Latest analyst role per person: person -> (role, reason).

    Overrides are stored against a member key (stable across re-runs), not a person id.
    """
    return {
        str(p): (str(r), str(why))
        for p, r, why in engine.query(
            "SELECT m.person_id, arg_max(o.role, o.seq), arg_max(o.reason, o.seq) "
            "FROM role_overrides o JOIN person_members m ON m.member_key = o.person_id "
            "GROUP BY m.person_id"
        )
    }


def add_role_override(engine: Engine, person_id: str, role: str, reason: str, user: str) -> None:
    """Store an analyst's role for the person of a member key, with reason and user."""
    seq = int(engine.scalar("SELECT coalesce(max(seq), 0) + 1 FROM role_overrides"))
    engine.execute(
        "INSERT INTO role_overrides VALUES (?, now()::TIMESTAMP, ?, ?, ?, ?)",
        [seq, user, person_id, role, reason],
    )


def roles(engine: Engine) -> dict[str, str]:
    """The stored role of every person."""
    return {str(p): str(r) for p, r in engine.query("SELECT person_id, role FROM person_roles")}


def shared_selector_ties(
    engine: Engine, persons: list[str], types: tuple[str, ...]
) -> list[tuple[str, str, str, float]]:
    """(a, b, selector type, weight): pairs of the given persons holding common selectors.

    Each shared value weighs ``1 / (holders - 1)``: a phone two persons hold ties them fully;
    a value many hold (a shop's number, an office device, a blob's selector) spreads thin
    instead of tying every pair of its holders as strongly.
    """
    import pyarrow as pa

    in_types = ", ".join(quote_literal(t) for t in types)
    engine.register("_focus", pa.table({"person_id": pa.array(persons, pa.string())}))
    try:
        rows = engine.query(
            f"""WITH s AS (
                  SELECT DISTINCT m.person_id, s.selector_type, s.value
                  FROM selectors s JOIN person_members m ON m.member_key = s.entity_key
                  JOIN _focus f ON f.person_id = m.person_id
                  WHERE s.selector_type IN ({in_types})),
                held AS (
                  SELECT selector_type, value, count(*) AS holders FROM s
                  GROUP BY selector_type, value HAVING count(*) > 1),
                hs AS (SELECT s.* , held.holders FROM s JOIN held USING (selector_type, value))
                SELECT a.person_id, b.person_id, a.selector_type,
                       sum(1.0 / (a.holders - 1)) FROM hs a JOIN hs b
                  ON a.selector_type = b.selector_type AND a.value = b.value
                 AND a.person_id < b.person_id
                GROUP BY a.person_id, b.person_id, a.selector_type ORDER BY 1, 2, 3"""
        )
    finally:
        engine.unregister("_focus")
    return [(str(a), str(b), str(t), float(c)) for a, b, t, c in rows]


# A seller talking to another account of their own is no negotiation. Tested in the
# aggregate, not in ``neg``: there the planner may join the two person lookups first.
_NOT_SELF = "neg.seller <> neg.payer"


def chat_then_pay_ties(
    engine: Engine, sellers: list[str], receivers: list[str], hours: int
) -> list[tuple[str, str, int]]:
    """(seller, receiver, n): a person negotiated with the seller, then paid the receiver.

    Counts distinct payers who, within ``hours`` after a negotiation message exchanged with
    the seller, paid the receiver — the trace of a pickup name given in the chat.
    """
    import pyarrow as pa

    engine.register("_sellers", pa.table({"person_id": pa.array(sellers, pa.string())}))
    engine.register("_receivers", pa.table({"person_id": pa.array(receivers, pa.string())}))
    try:
        rows = engine.query(
            f"""WITH hits AS (
                  -- Each end of a negotiation hit as the seller's, the other as the payer's.
                  SELECT sender AS sk, recipient AS pk, sent_at FROM chat_hits
                  WHERE category IN ('price', 'payment_logistics')
                  UNION ALL
                  SELECT recipient, sender, sent_at FROM chat_hits
                  WHERE category IN ('price', 'payment_logistics')),
                neg AS (
                  SELECT DISTINCT sm.person_id AS seller, bm.person_id AS payer,
                         date_trunc('hour', h.sent_at) AS at
                  FROM hits h
                  JOIN person_members sm ON sm.member_key = h.sk
                  JOIN _sellers USING (person_id)
                  JOIN person_members bm ON bm.member_key = h.pk),
                pay AS (
                  SELECT DISTINCT sm.person_id AS payer, rm.person_id AS receiver, p.sent_at
                  FROM payments p
                  JOIN person_members sm ON sm.member_key = {_identity("p", "sender")}
                  JOIN person_members rm ON rm.member_key = {_identity("p", "receiver")}
                  JOIN _receivers r ON r.person_id = rm.person_id)
                SELECT neg.seller, pay.receiver,
                       count(DISTINCT pay.payer) FILTER (WHERE {_NOT_SELF}) AS n
                FROM neg JOIN pay ON pay.payer = neg.payer
                 AND pay.sent_at BETWEEN neg.at - INTERVAL 1 HOUR
                                     AND neg.at + INTERVAL {int(hours)} HOUR
                WHERE neg.seller <> pay.receiver
                GROUP BY neg.seller, pay.receiver
                HAVING count(DISTINCT pay.payer) FILTER (WHERE {_NOT_SELF}) > 0
                ORDER BY 1, 2"""
        )
    finally:
        engine.unregister("_sellers")
        engine.unregister("_receivers")
    return [(str(a), str(b), int(c)) for a, b, c in rows]


def write_networks(
    engine: Engine, networks: list[dict[str, object]], members: list[dict[str, object]]
) -> None:
    """Replace the stored networks and their members."""
    import pyarrow as pa

    engine.execute("DELETE FROM networks")
    engine.execute("DELETE FROM network_members")
    if networks:
        engine.register("_nets", pa.Table.from_pylist(networks))
        engine.execute(
            "INSERT INTO networks SELECT network_id, size, sellers, buyers, "
            "CAST(first_activity AS TIMESTAMP), CAST(last_activity AS TIMESTAMP), summary "
            "FROM _nets"
        )
        engine.unregister("_nets")
    if members:
        engine.register("_nm", pa.Table.from_pylist(members))
        engine.execute(
            "INSERT INTO network_members SELECT network_id, person_id, role, centrality, bridge "
            "FROM _nm"
        )
        engine.unregister("_nm")


def write_network_ties(engine: Engine, rows: list[dict[str, object]]) -> None:
    """Replace the stored ties that explain each network's membership."""
    import pyarrow as pa

    engine.execute("DELETE FROM network_ties")
    if rows:
        text = ("network_id", "a", "b", "kind", "via")
        schema = pa.schema([(c, pa.string()) for c in text] + [("observations", pa.float64())])
        engine.register("_nt", pa.Table.from_pylist(rows, schema=schema))
        engine.execute(
            "INSERT INTO network_ties SELECT network_id, a, b, kind, via, observations FROM _nt"
        )
        engine.unregister("_nt")


def activity(engine: Engine) -> dict[str, tuple[object, object]]:
    """Every person's first and last activity."""
    return {
        str(p): (first, last)
        for p, first, last in engine.query(
            "SELECT person_id, first_activity, last_activity FROM person_features"
        )
    }


def hit_edges(engine: Engine) -> list[tuple[str, str, str, int]]:
    """(sender person, recipient person, category, messages) of chat-indicator hits."""
    return [
        (str(a), str(b), str(c), int(n))
        for a, b, c, n in engine.query(
            """SELECT s.person_id, r.person_id, h.category, count(*)
               FROM chat_hits h JOIN person_members s ON s.member_key = h.sender
               JOIN person_members r ON r.member_key = h.recipient
               WHERE s.person_id <> r.person_id
               GROUP BY s.person_id, r.person_id, h.category ORDER BY 1, 2, 3"""
        )
    ]


def received_hits(
    engine: Engine, person_id: str, categories: tuple[str, ...]
) -> list[dict[str, object]]:
    """A few indicator messages a person's accounts received (evidence for a quoted buyer)."""
    in_cats = ", ".join(quote_literal(c) for c in categories)
    return engine.query_dicts(
        f"""SELECT src.sha256 AS source_sha256, h."row", 'messages' AS "table",
                   'received ' || h.category AS note
            FROM chat_hits h JOIN person_members m ON m.member_key = h.recipient
            JOIN sources src ON src.source_id = h.source_id
            WHERE m.person_id = ? AND h.category IN ({in_cats})
            ORDER BY h.sent_at, h.source_id, h."row" LIMIT 3""",
        [person_id],
    )


def networks(engine: Engine) -> list[dict[str, object]]:
    """Every network with its facilitators (most central first) and bridge count."""
    return engine.query_dicts(
        """SELECT n.*, list(m.person_id ORDER BY m.centrality DESC)
                          FILTER (WHERE m.role = 'facilitator') AS facilitators,
                  count(*) FILTER (WHERE m.bridge) AS bridges
           FROM networks n LEFT JOIN network_members m USING (network_id)
           GROUP BY ALL ORDER BY n.size DESC, n.network_id"""
    )


def override_role(engine: Engine, person_id: str, role: str, reason: str) -> None:
    """Apply an analyst's role at once (the graph stage re-applies it on every run)."""
    engine.execute(
        "UPDATE person_roles SET role = ?, confidence = 1.0, overridden = true, "
        "reasons = to_json([? || ?])::VARCHAR || '' WHERE person_id = ?",
        [role, "analyst: ", reason, person_id],
    )


SELLER_ROLES = ("seller", "facilitator")


def networks_export_sql() -> str:
    """``networks.jsonl`` of the export contract."""
    roles = ", ".join(quote_literal(r) for r in SELLER_ROLES)
    return f"""
        SELECT n.network_id,
               coalesce((SELECT list(m.person_id ORDER BY m.person_id) FROM network_members m
                         WHERE m.network_id = n.network_id AND m.role IN ({roles})),
                        CAST([] AS VARCHAR[])) AS sellers,
               coalesce((SELECT list(m.person_id ORDER BY m.person_id) FROM network_members m
                         WHERE m.network_id = n.network_id AND m.role = 'buyer'),
                        CAST([] AS VARCHAR[])) AS buyers,
               n.size, n.summary
        FROM networks n ORDER BY n.network_id"""


EXPORTS = {
    "networks": networks_export_sql(),
    "network_history": history_export_sql("network_history"),
}
