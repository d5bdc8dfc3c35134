"""SQL of indicators, jurisdiction and home estimates: per-person metrics with their rows."""

from __future__ import annotations

from typing import Any

import pyarrow as pa

from threadline.resolve.sql import account_key, identity_key_sql
from threadline.store.engine import Engine, Rows
from threadline.store.exporter import iso
from threadline.store.tables import Table, table

TABLES: dict[str, Table] = {
    "ip_geo": table(
        "ip VARCHAR, country VARCHAR, asn VARCHAR, hosting BOOLEAN", per_table_export=False
    ),
    "person_metrics": table(
        """person_id VARCHAR, sessions BIGINT, session_confidence DOUBLE,
        payments_to_ph BIGINT, low_value_to_ph BIGINT, amount_slope DOUBLE,
        night_payments BIGINT, innocuous_narratives BIGINT, hosting_logins BIGINT,
        ph_logins BIGINT, home_logins BIGINT, negotiation_messages BIGINT,
        paid_sellers BIGINT""",
        per_table_export=False,
    ),
    # Buyer targets; ``reasons`` is a JSON list of {kind, signal, weight, evidence}.
    # ``rank`` is global, ``country_rank`` within the country, both by priority among
    # persons at or above the confidence floor; persons below it have no rank.
    "targets": table(
        """person_id VARCHAR, "rank" BIGINT, score DOUBLE, role VARCHAR,
        country VARCHAR, reasons VARCHAR, priority DOUBLE, confidence DOUBLE,
        country_rank BIGINT"""
    ),
    "rescue": table(
        """person_id VARCHAR, lat DOUBLE, lon DOUBLE, radius_m DOUBLE, country VARCHAR,
        admin_area VARCHAR, last_activity TIMESTAMP, priority DOUBLE, evidence VARCHAR"""
    ),
}
SENDER = identity_key_sql("sender", "p")
RECEIVER = identity_key_sql("receiver", "p")


def distinct_ips(engine: Engine) -> list[str]:
    """Every distinct login IP address, in order."""
    return [str(r[0]) for r in engine.query("SELECT DISTINCT ip FROM logins ORDER BY ip")]


def write_ip_geo(engine: Engine, table: pa.Table) -> None:
    """Replace the stored IP geolocation with ``table``."""
    engine.execute("DELETE FROM ip_geo")
    engine.register("_geo", table)
    try:
        engine.execute("INSERT INTO ip_geo SELECT ip, country, asn, hosting FROM _geo")
    finally:
        engine.unregister("_geo")


def build_metrics(engine: Engine, low_value_usd: float, innocuous: list[str]) -> None:
    """Per-person indicator metrics from payments, logins, chats and sessions."""
    engine.execute("DELETE FROM person_metrics")
    narratives = "|".join(innocuous) or "^$"
    acct = account_key("l.platform", "l.account_id")
    engine.execute(
        f"""INSERT INTO person_metrics
        WITH pay AS (
            SELECT m.person_id, p.sent_at, p.receiver_country,
                   CAST(p.amount AS DOUBLE) * coalesce(fx.usd, 1.0) AS usd,
                   p.narrative, p.sent_at_original, rr.role AS receiver_role
            FROM payments p
            JOIN person_members m ON m.member_key = {SENDER}
            LEFT JOIN person_members rm ON rm.member_key = {identity_key_sql("receiver", "p")}
            LEFT JOIN person_roles rr ON rr.person_id = rm.person_id
            LEFT JOIN fx_rates fx ON fx.currency = p.currency),
        paym AS (
            SELECT person_id,
                   count(*) FILTER (WHERE receiver_country = 'PH') AS to_ph,
                   count(*) FILTER (WHERE receiver_country = 'PH' AND usd < {low_value_usd})
                       AS low_ph,
                   CASE WHEN count(*) FILTER (WHERE receiver_role IN ('facilitator', 'mule')) >= 3
                        THEN regr_slope(usd, epoch(sent_at) / 86400.0)
                                 FILTER (WHERE receiver_role IN ('facilitator', 'mule'))
                   END AS slope,
                   count(*) FILTER (WHERE CAST(regexp_extract(sent_at_original,
                                        '[T ](\\d{{2}}):', 1) AS INTEGER) NOT BETWEEN 6 AND 21
                                    AND regexp_matches(sent_at_original,
                                                       '(Z|[+-]\\d{{2}}:?\\d{{2}})$'))
                       AS night,
                   count(*) FILTER (WHERE regexp_matches(lower(coalesce(narrative, '')),
                                                          '{narratives}')
                                    AND receiver_role IN ('facilitator', 'mule')) AS innocuous,
                   count(DISTINCT receiver_role) FILTER (WHERE receiver_role IN
                                                         ('facilitator', 'mule')) AS paid_sellers
            FROM pay GROUP BY person_id),
        logm AS (
            SELECT m.person_id,
                   count(*) FILTER (WHERE g.hosting) AS hosting,
                   count(*) FILTER (WHERE g.country = 'PH' AND NOT g.hosting) AS ph,
                   count(*) FILTER (WHERE g.country <> 'PH' AND NOT g.hosting) AS home
            FROM logins l JOIN person_members m ON m.member_key = {acct}
            JOIN ip_geo g ON g.ip = l.ip GROUP BY m.person_id),
        sess AS (
            SELECT buyer_person AS person_id, count(*) AS n, max(confidence) AS conf
            FROM sessions GROUP BY buyer_person),
        neg AS (
            SELECT m.person_id, count(*) AS n FROM chat_hits h
            JOIN person_members m ON m.member_key = h.sender
            WHERE h.category IN ('request', 'live') GROUP BY m.person_id)
        SELECT r.person_id, coalesce(sess.n, 0), coalesce(sess.conf, 0),
               coalesce(paym.to_ph, 0), coalesce(paym.low_ph, 0), paym.slope,
               coalesce(paym.night, 0), coalesce(paym.innocuous, 0),
               coalesce(logm.hosting, 0), coalesce(logm.ph, 0), coalesce(logm.home, 0),
               coalesce(neg.n, 0), coalesce(paym.paid_sellers, 0)
        FROM person_roles r
        LEFT JOIN paym ON paym.person_id = r.person_id
        LEFT JOIN logm ON logm.person_id = r.person_id
        LEFT JOIN sess ON sess.person_id = r.person_id
        LEFT JOIN neg ON neg.person_id = r.person_id
        ORDER BY r.person_id"""
    )


def metrics(engine: Engine) -> dict[str, dict[str, object]]:
    """Every person's indicator metrics with their role and a few graph features."""
    return {
        str(r["person_id"]): r
        for r in engine.query_dicts(
            """SELECT m.*, r.role, f.request_sent, f.live_sent, f.counterparts, f.payments_out,
                      f.price_sent, f.initiated_by_others,
                      (epoch(f.last_activity) - epoch(f.first_activity)) / 86400.0 AS active_days
               FROM person_metrics m JOIN person_roles r USING (person_id)
               LEFT JOIN person_features f USING (person_id)"""
        )
    }


def residence_votes(engine: Engine) -> list[tuple[str, str, str, int]]:
    """(person, country, kind of evidence, count) for where each person lives.

    Account countries, phone numbers' countries, the sender country of payments, and the
    countries of login addresses that are neither hosting/VPN ranges nor the Philippines
    (a foreign buyer's logins there are travel, not residence).
    """
    acct = account_key("a.platform", "a.account_id")
    login = account_key("l.platform", "l.account_id")
    return [
        (str(p), str(c), str(k), int(n))
        for p, c, k, n in engine.query(
            f"""SELECT person_id, country, kind, count(*) FROM (
                  SELECT m.person_id, a.country, 'account country' AS kind FROM accounts a
                  JOIN person_members m ON m.member_key = {acct} WHERE a.country IS NOT NULL
                  UNION ALL
                  SELECT m.person_id, i.country, 'payment sender country' FROM payments p
                  JOIN person_members m ON m.member_key = {SENDER}
                  JOIN payment_identities i ON i.identity_key = m.member_key
                  WHERE i.country IS NOT NULL
                  UNION ALL
                  SELECT m.person_id, g.country, 'home login address' FROM logins l
                  JOIN person_members m ON m.member_key = {login}
                  JOIN ip_geo g ON g.ip = l.ip WHERE NOT g.hosting AND g.country IS NOT NULL)
                GROUP BY person_id, country, kind ORDER BY 1, 2, 3"""
        )
    ]


def person_phones(engine: Engine) -> list[tuple[str, str]]:
    """Distinct (person, phone number) pairs, in order."""
    return [
        (str(p), str(v))
        for p, v in engine.query(
            """SELECT DISTINCT m.person_id, s.value FROM selectors s
               JOIN person_members m ON m.member_key = s.entity_key
               WHERE s.selector_type = 'phone' ORDER BY 1, 2"""
        )
    ]


# Per kind of indicator: the rows behind it as (person_id, source_sha256, row, table, note)
# and the order the first few are taken in.
_EVIDENCE: dict[str, tuple[str, str]] = {
    "hosting_logins": (
        """SELECT m.person_id, src.sha256 AS source_sha256, l."row", 'logins' AS "table",
                  l.ip || ' ' || coalesce(g.asn, '') AS note, l."at" AS o FROM logins l
           JOIN person_members m ON m.member_key = {login}
           JOIN ip_geo g ON g.ip = l.ip JOIN sources src ON src.source_id = l.source_id
           WHERE g.hosting""",
        'o, source_sha256, "row"',
    ),
    "ph_logins": (
        """SELECT m.person_id, src.sha256 AS source_sha256, l."row", 'logins' AS "table",
                  l.ip AS note, l."at" AS o FROM logins l
           JOIN person_members m ON m.member_key = {login}
           JOIN ip_geo g ON g.ip = l.ip JOIN sources src ON src.source_id = l.source_id
           WHERE g.country = 'PH' AND NOT g.hosting""",
        'o, source_sha256, "row"',
    ),
    "payments": (
        """SELECT m.person_id, src.sha256 AS source_sha256, p."row", 'payments' AS "table",
                  p.amount || ' ' || p.currency || ' to ' || p.receiver_name AS note,
                  p.sent_at AS o
           FROM payments p JOIN person_members m ON m.member_key = {sender}
           JOIN sources src ON src.source_id = p.source_id""",
        'o, source_sha256, "row"',
    ),
    "location": (
        """SELECT s.person_id, src.sha256 AS source_sha256, l."row", 'locations' AS "table",
                  l.subject AS note, l."at" AS o FROM locations l
           JOIN sources src ON src.source_id = l.source_id
           JOIN ({subjects}) s ON s.subject = l.subject""",
        'o DESC, source_sha256, "row"',
    ),
}


def evidence_rows_of(
    engine: Engine, persons: list[str], kind: str, limit: int = 3
) -> dict[str, list[dict[str, object]]]:
    """The first few rows behind one indicator, for each of several persons at once.

    One pass over the event table for all persons, not one query per person: at the
    design scale a query per buyer was most of the score stage (issue 16).
    """
    select, order = _EVIDENCE[kind]
    body = select.format(login=login_key(), sender=SENDER, subjects=person_subjects())
    engine.register("_who", pa.table({"person_id": pa.array(persons, pa.string())}))
    try:
        rows = engine.query_dicts(
            f"""SELECT person_id, source_sha256, "row", "table", note FROM (
                  SELECT e.*, row_number() OVER (PARTITION BY e.person_id
                                                 ORDER BY {order}) AS k
                  FROM ({body}) e JOIN _who w ON w.person_id = e.person_id)
                WHERE k <= {int(limit)} ORDER BY person_id, k"""
        )
    finally:
        engine.unregister("_who")
    out: dict[str, list[dict[str, object]]] = {p: [] for p in persons}
    for r in rows:
        out[str(r.pop("person_id"))].append(r)
    return out


def login_key() -> str:
    """SQL for the account key of a login row ``l``."""
    return account_key("l.platform", "l.account_id")


def person_subjects() -> str:
    """Location subjects (phones, devices, accounts) of each person."""
    return """SELECT DISTINCT m.person_id, s.value AS subject FROM selectors s
              JOIN person_members m ON m.member_key = s.entity_key
              WHERE s.selector_type IN ('phone', 'device')
              UNION SELECT person_id, split_part(member_key, ':', 2) FROM person_members
              WHERE member_type = 'account'"""


def locations_of(engine: Engine, persons: list[str]) -> list[tuple[str, float, float, object]]:
    """Location points (person, lat, lon, time) of the given persons, by person and time."""
    engine.register("_who", pa.table({"person_id": pa.array(persons, pa.string())}))
    try:
        return [
            (str(p), float(a), float(o), t)
            for p, a, o, t in engine.query(
                f"""SELECT s.person_id, l.lat, l.lon, l."at" FROM locations l
                    JOIN ({person_subjects()}) s ON s.subject = l.subject
                    JOIN _who w ON w.person_id = s.person_id ORDER BY 1, 4"""
            )
        ]
    finally:
        engine.unregister("_who")


# Columns the targets table gained after cases existed (issue 19): added on first use.
_NEW_TARGET_COLUMNS = (("priority", "DOUBLE"), ("confidence", "DOUBLE"), ("country_rank", "BIGINT"))


def upgrade_targets(engine: Engine) -> None:
    """Add the targets columns a case made before issue 19 lacks (no-op on newer cases)."""
    have = set(engine.query_arrow("SELECT * FROM targets LIMIT 0").schema.names)
    for name, kind in _NEW_TARGET_COLUMNS:
        if name not in have:
            engine.execute(f"ALTER TABLE targets ADD COLUMN {name} {kind}")


def write_rows(
    engine: Engine, table: str, rows: list[dict[str, object]], columns: list[str]
) -> None:
    """Replace the rows of a result table; ``columns`` are SQL over the new rows."""
    engine.execute(f"DELETE FROM {table}")
    if not rows:
        return
    engine.register("_rows", pa.Table.from_pylist(rows))
    try:
        engine.execute(f"INSERT INTO {table} SELECT {', '.join(columns)} FROM _rows")
    finally:
        engine.unregister("_rows")


def session_evidence(engine: Engine) -> list[tuple[str, str]]:
    """Each session's evidence by buyer person, most confident session first."""
    return [
        (str(p), str(e))
        for p, e in engine.query(
            "SELECT buyer_person, evidence FROM sessions WHERE buyer_person IS NOT NULL "
            "ORDER BY buyer_person, confidence DESC, session_id"
        )
    ]


def sessions_by_buyer(engine: Engine) -> list[tuple[str, str | None, str | None, str]]:
    """(buyer, facilitator, one network of the facilitator, evidence) per session, by time."""
    return [
        (str(b), None if s is None else str(s), None if n is None else str(n), str(e))
        for b, s, n, e in engine.query(
            """SELECT s.buyer_person, s.seller_person,
                      (SELECT min(nm.network_id) FROM network_members nm
                       WHERE nm.person_id = s.seller_person) AS network_id, s.evidence
               FROM sessions s WHERE s.buyer_person IS NOT NULL
               ORDER BY s.buyer_person, s."start", s.session_id"""
        )
    ]


def facilitators(engine: Engine) -> dict[str, tuple[int, int, object]]:
    """Facilitator -> (paid sessions, distinct buyers, last activity)."""
    return {
        str(p): (int(s), int(b), last)
        for p, s, b, last in engine.query(
            """SELECT r.person_id, count(DISTINCT s.session_id),
                      count(DISTINCT s.buyer_person), max(f.last_activity)
               FROM person_roles r
               LEFT JOIN sessions s ON s.seller_person = r.person_id
               LEFT JOIN person_features f ON f.person_id = r.person_id
               WHERE r.role = 'facilitator' GROUP BY r.person_id ORDER BY 1"""
        )
    }


def targets(
    r: Rows, country: str | None = None, top: int | None = None, below_floor: bool = False
) -> list[dict[str, Any]]:
    """Ranked targets, all or one jurisdiction's (any case), by priority, with their reasons.

    The one query behind the CLI, the Python API, referral packages and the web. With
    ``below_floor`` the persons under the confidence floor follow (no rank; intelligence
    only), most confident first.
    """
    conds, params = ([] if below_floor else ['"rank" IS NOT NULL']), []
    if country:
        conds.append("upper(country) = ?")
        params.append(country.upper())
    where = f"WHERE {' AND '.join(conds)}" if conds else ""
    limit = f"LIMIT {int(top)}" if top else ""
    return r.query_dicts(
        f"""SELECT person_id, "rank", country_rank, priority, confidence, score, role,
                   upper(country) AS country, reasons
            FROM targets {where}
            ORDER BY "rank" NULLS LAST, confidence DESC, person_id {limit}""",
        params,
    )


def target_countries(r: Rows) -> list[dict[str, Any]]:
    """Each jurisdiction with targets: how many, and how many of them are buyers."""
    return r.query_dicts(
        """SELECT upper(country) AS country, count(*) AS targets,
                  count(*) FILTER (WHERE role = 'buyer') AS buyers
           FROM targets WHERE country IS NOT NULL AND "rank" IS NOT NULL
           GROUP BY 1 ORDER BY 1"""
    )


def targets_export_sql() -> str:
    """``targets.jsonl`` of the export contract."""
    return """
        SELECT person_id, "rank", country_rank, priority, confidence, score, role,
               upper(country) AS country, json(coalesce(reasons, '[]')) AS reasons
        FROM targets ORDER BY "rank" NULLS LAST, confidence DESC, person_id"""


def rescue_export_sql() -> str:
    """``rescue.jsonl`` of the export contract."""
    return f"""
        SELECT person_id,
               {{'lat': lat, 'lon': lon, 'radius_m': radius_m, 'country': country,
                'admin_area': admin_area}} AS location,
               {iso("last_activity")} AS last_activity, priority,
               json(coalesce(evidence, '[]')) AS evidence
        FROM rescue ORDER BY priority DESC NULLS LAST, person_id"""


EXPORTS = {"targets": targets_export_sql(), "rescue": rescue_export_sql()}


def priority_facts(engine: Engine, aggravating: list[str]) -> dict[str, dict[str, Any]]:
    """Per buyer: paid sessions, facilitators, networks, spend, dates and aggravating hits.

    Sums are exact (DECIMAL), so both engines give the same cents whatever order they add
    in. ``usd`` is the USD value of the payments the detected sessions name (each transaction
    once per session), ``ph_usd`` that of every payment to the Philippines, ``growth`` the
    fitted rise of the amounts paid to facilitators and mules over the person's span as a
    share of their mean (three payments or more); dates are those
    of the sessions; ``case_end`` is the latest session
    of the whole case, so recency does not depend on the day the analysis runs.
    """
    cats = ", ".join("'" + c.replace("'", "''") + "'" for c in aggravating) or "NULL"
    rows = engine.query_dicts(
        f"""WITH s AS (
              SELECT buyer_person AS person_id, session_id, seller_person, "start",
                     coalesce("end", "start") AS fin, payment_transaction_ids
              FROM sessions WHERE buyer_person IS NOT NULL),
            sess AS (
              SELECT person_id, count(*) AS sessions,
                     count(DISTINCT seller_person) AS facilitators,
                     min("start") AS first_at, max(fin) AS last_at
              FROM s GROUP BY person_id),
            nets AS (
              SELECT s.person_id, count(DISTINCT nm.network_id) AS networks
              FROM s JOIN network_members nm ON nm.person_id = s.seller_person
              GROUP BY s.person_id),
            tx AS (
              SELECT DISTINCT person_id, session_id, t FROM (
                SELECT person_id, session_id, unnest(payment_transaction_ids) AS t FROM s)),
            usd AS (
              SELECT person_id, sum(v) AS usd FROM (
                SELECT tx.person_id, tx.session_id, tx.t,
                       max(p.amount * CAST(coalesce(fx.usd, 1.0) AS DECIMAL(18, 8))) AS v
                FROM tx JOIN payments p ON p.transaction_id = tx.t
                LEFT JOIN fx_rates fx ON fx.currency = p.currency
                GROUP BY 1, 2, 3)
              GROUP BY person_id),
            ph AS (
              SELECT m.person_id,
                     sum(p.amount * CAST(coalesce(fx.usd, 1.0) AS DECIMAL(18, 8))) AS usd
              FROM payments p JOIN person_members m ON m.member_key = {SENDER}
              LEFT JOIN fx_rates fx ON fx.currency = p.currency
              WHERE p.receiver_country = 'PH' GROUP BY m.person_id),
            paid AS (
              SELECT m.person_id, CAST(p.amount AS DOUBLE) * coalesce(fx.usd, 1.0) AS usd,
                     epoch(p.sent_at) / 86400.0 AS d
              FROM payments p JOIN person_members m ON m.member_key = {SENDER}
              JOIN person_members rm ON rm.member_key = {RECEIVER}
              JOIN person_roles rr ON rr.person_id = rm.person_id
              LEFT JOIN fx_rates fx ON fx.currency = p.currency
              WHERE rr.role IN ('facilitator', 'mule')),
            growth AS (
              SELECT person_id,
                     regr_slope(usd, d) * (max(d) - min(d)) / nullif(avg(usd), 0) AS growth
              FROM paid GROUP BY person_id HAVING count(*) >= 3),
            agg AS (
              SELECT m.person_id, count(*) AS aggravating FROM chat_hits h
              JOIN person_members m ON m.member_key = h.sender
              WHERE h.category IN ({cats}) GROUP BY m.person_id)
            SELECT r.person_id, coalesce(sess.sessions, 0) AS sessions,
                   coalesce(sess.facilitators, 0) AS facilitators,
                   coalesce(nets.networks, 0) AS networks,
                   CAST(coalesce(usd.usd, 0) AS DOUBLE) AS usd,
                   CAST(coalesce(ph.usd, 0) AS DOUBLE) AS ph_usd, growth.growth,
                   sess.first_at, sess.last_at, coalesce(agg.aggravating, 0) AS aggravating
            FROM person_roles r
            LEFT JOIN sess ON sess.person_id = r.person_id
            LEFT JOIN nets ON nets.person_id = r.person_id
            LEFT JOIN usd ON usd.person_id = r.person_id
            LEFT JOIN ph ON ph.person_id = r.person_id
            LEFT JOIN growth ON growth.person_id = r.person_id
            LEFT JOIN agg ON agg.person_id = r.person_id
            WHERE r.role = 'buyer' ORDER BY r.person_id"""
    )
    # Its own statement: as a scalar subquery of the one above it is planned as a cross
    # product with the whole join (one row, but the plan test rightly cannot tell).
    case_end = engine.scalar(
        'SELECT max(coalesce("end", "start")) FROM sessions WHERE buyer_person IS NOT NULL'
    )
    return {str(r.pop("person_id")): r | {"case_end": case_end} for r in rows}


def aggravating_rows_of(
    engine: Engine, persons: list[str], categories: list[str], limit: int = 3
) -> dict[str, list[dict[str, object]]]:
    """The first few chat messages of each person that a pack marks as aggravating."""
    out: dict[str, list[dict[str, object]]] = {p: [] for p in persons}
    if not categories or not persons:
        return out
    cats = ", ".join("'" + c.replace("'", "''") + "'" for c in categories)
    engine.register("_who", pa.table({"person_id": pa.array(persons, pa.string())}))
    try:
        rows = engine.query_dicts(
            f"""SELECT person_id, source_sha256, "row", "table", note FROM (
                  SELECT m.person_id, src.sha256 AS source_sha256, h."row",
                         'messages' AS "table", h.category AS note,
                         row_number() OVER (PARTITION BY m.person_id
                                            ORDER BY h.sent_at, src.sha256, h."row") AS k
                  FROM chat_hits h JOIN person_members m ON m.member_key = h.sender
                  JOIN _who w ON w.person_id = m.person_id
                  JOIN sources src ON src.source_id = h.source_id
                  WHERE h.category IN ({cats}))
                WHERE k <= {int(limit)} ORDER BY person_id, k"""
        )
    finally:
        engine.unregister("_who")
    for r in rows:
        out[str(r.pop("person_id"))].append(r)
    return out
