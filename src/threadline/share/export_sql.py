"""SQL of the standard exports: person graph, FollowTheMoney rows, VICS media, CSV tables."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pyarrow as pa

from threadline import pipeline
from threadline.ingest.tables import TABLES as RECORD_TABLES
from threadline.resolve.sql import identity_key_sql
from threadline.share.sql import ACCOUNT_KEY, RECIPIENT_KEY, SENDER_KEY, person_rescue
from threadline.store.engine import Engine, quote_ident, quote_literal
from threadline.store.exporter import iso


# -- standard exports -------------------------------------------------------------------------
def person_nodes(engine: Engine) -> list[dict[str, Any]]:
    """Every person with a label, role, countries, first network and target standing."""
    return engine.query_dicts(
        f"""WITH lab AS (
            SELECT m.person_id, min(coalesce(i.name, a.display_name)) AS label,
                   list(DISTINCT coalesce(i.country, a.country) ORDER BY 1)
                       FILTER (WHERE coalesce(i.country, a.country) IS NOT NULL) AS countries
            FROM person_members m
            LEFT JOIN payment_identities i ON i.identity_key = m.member_key
            LEFT JOIN accounts a ON m.member_key = {ACCOUNT_KEY}
            GROUP BY 1),
        net AS (SELECT person_id, min(network_id) AS network_id FROM network_members GROUP BY 1)
        SELECT l.person_id, coalesce(l.label, min_key.k) AS label,
               coalesce(r.role, 'other') AS role, coalesce(l.countries, []) AS countries,
               n.network_id, t.country AS target_country, t."rank", t.score
        FROM lab l
        JOIN (SELECT person_id, min(member_key) AS k FROM person_members GROUP BY 1) min_key
          ON min_key.person_id = l.person_id
        LEFT JOIN person_roles r ON r.person_id = l.person_id
        LEFT JOIN net n ON n.person_id = l.person_id
        LEFT JOIN targets t ON t.person_id = l.person_id
        ORDER BY l.person_id"""
    )


def person_edges(engine: Engine) -> list[dict[str, Any]]:
    """Person-to-person links aggregated from messages, payments and paid sessions."""
    sender, receiver = identity_key_sql("sender"), identity_key_sql("receiver")
    return engine.query_dicts(
        f"""WITH pay AS (SELECT {sender} AS a, {receiver} AS b, sent_at, amount, currency
                         FROM payments),
        pays AS (SELECT pa.person_id AS a, pb.person_id AS b, currency, count(*) AS n,
                        sum(amount) AS total, min(sent_at) AS first, max(sent_at) AS last
                 FROM pay JOIN person_members pa ON pa.member_key = pay.a
                 JOIN person_members pb ON pb.member_key = pay.b GROUP BY ALL),
        e AS (
            SELECT ps.person_id AS source, pr.person_id AS target, 'message' AS kind,
                   count(*) AS n, min(g.sent_at) AS first, max(g.sent_at) AS last,
                   NULL AS amounts
            FROM messages g JOIN person_members ps ON ps.member_key = {SENDER_KEY}
            JOIN person_members pr ON pr.member_key = {RECIPIENT_KEY} GROUP BY ALL
            UNION ALL
            SELECT a, b, 'payment', sum(n), min(first), max(last),
                   string_agg(currency || ' ' || CAST(total AS VARCHAR), '; '
                              ORDER BY currency)
            FROM pays GROUP BY a, b
            UNION ALL
            SELECT buyer_person, seller_person, 'paid_session', count(*), min("start"),
                   max("end"), NULL
            FROM sessions WHERE buyer_person IS NOT NULL AND seller_person IS NOT NULL
            GROUP BY ALL)
        SELECT source, target, kind, n, {iso("first")} AS first, {iso("last")} AS last, amounts
        FROM e ORDER BY kind, source, target"""
    )


def ftm_accounts(engine: Engine) -> list[dict[str, Any]]:
    """Every account that belongs to a person, as platform and handle, with its profile fields."""
    return engine.query_dicts(
        f"""SELECT m.person_id, m.member_key, split_part(m.member_key, ':', 1) AS platform,
                   substr(m.member_key, strpos(m.member_key, ':') + 1) AS account_id,
                   min(a.display_name) AS display_name, min(a.email) AS email,
                   min(a.phone) AS phone, min(a.country) AS country,
                   {iso("min(a.created_at)")} AS created_at
            FROM person_members m LEFT JOIN accounts a ON m.member_key = {ACCOUNT_KEY}
            WHERE m.member_type = 'account' GROUP BY ALL ORDER BY m.member_key"""
    )


def ftm_identities(engine: Engine) -> list[dict[str, Any]]:
    """Every payment identity that belongs to a person, with that person."""
    return engine.query_dicts(
        """SELECT m.person_id, i.* FROM person_members m
           JOIN payment_identities i ON i.identity_key = m.member_key ORDER BY i.identity_key"""
    )


def ftm_messages(engine: Engine, batch_rows: int = 50_000) -> Iterator[pa.RecordBatch]:
    """Every message with the account keys and persons on both sides, in batches."""
    return engine.iter_batches(
        f"""SELECT g.message_id, g.platform, {SENDER_KEY} AS sender_key,
                   {RECIPIENT_KEY} AS recipient_key, ps.person_id AS sender_person,
                   pr.person_id AS recipient_person, {iso("g.sent_at")} AS sent_at, g.text,
                   g.conversation_id, g.attachment_sha256
            FROM messages g
            LEFT JOIN person_members ps ON ps.member_key = {SENDER_KEY}
            LEFT JOIN person_members pr ON pr.member_key = {RECIPIENT_KEY}
            ORDER BY g.record_id""",
        batch_rows,
    )


def ftm_payments(engine: Engine, batch_rows: int = 50_000) -> Iterator[pa.RecordBatch]:
    """Every payment with the payer's and beneficiary's accounts and persons, in batches."""
    sender, receiver = identity_key_sql("p.sender"), identity_key_sql("p.receiver")
    return engine.iter_batches(
        f"""SELECT p.provider, p.transaction_id, {iso("p.sent_at")} AS sent_at,
                   CAST(p.amount AS VARCHAR) AS amount, p.currency, p.narrative,
                   lower(trim(p.provider)) || ':' || lower(trim(p.sender_account)) AS payer_acct,
                   lower(trim(p.provider)) || ':' || lower(trim(p.receiver_account))
                       AS beneficiary_acct,
                   ps.person_id AS payer, pr.person_id AS beneficiary
            FROM payments p
            LEFT JOIN person_members ps ON ps.member_key = {sender}
            LEFT JOIN person_members pr ON pr.member_key = {receiver}
            ORDER BY p.record_id""",
        batch_rows,
    )


def network_memberships(engine: Engine) -> list[dict[str, Any]]:
    """Every network with each of its members and their role in it."""
    return engine.query_dicts(
        """SELECT n.network_id, n.size, n.summary, m.person_id, m.role
           FROM networks n JOIN network_members m ON m.network_id = n.network_id
           ORDER BY n.network_id, m.person_id"""
    )


def all_sessions(engine: Engine) -> list[dict[str, Any]]:
    """Every paid session: buyer, seller, start, end and confidence, oldest first."""
    return engine.query_dicts(
        f"""SELECT session_id, buyer_person, seller_person, {iso('"start"')} AS "start",
                   {iso('"end"')} AS "end", confidence FROM sessions
            ORDER BY "start", session_id"""
    )


def all_rescue(engine: Engine) -> list[dict[str, Any]]:
    """The rescue estimate of every person that has one."""
    return person_rescue(
        engine, [r[0] for r in engine.query("SELECT DISTINCT person_id FROM rescue")]
    )


# -- CSV per table ----------------------------------------------------------------------------
def exportable_tables() -> list[str]:
    """The tables the CSV export writes: canonical records first, then the registry's."""
    kept = [n for n, spec in pipeline.tables().items() if spec.per_table_export]
    return [*RECORD_TABLES, *(n for n in kept if n not in RECORD_TABLES)]


def copy_table_csv(engine: Engine, table: str, target: Path) -> int:
    """Write one table as headered CSV (lists and JSON as JSON text, times as ISO UTC)."""
    cols = engine.query(
        """SELECT column_name, data_type FROM information_schema.columns
           WHERE table_name = ? AND table_schema = current_schema()
           ORDER BY ordinal_position""",
        [table],
    )
    exprs = []
    for name, sql_type in cols:
        q = quote_ident(str(name))
        t = str(sql_type).upper()
        if t.startswith("TIMESTAMP"):
            exprs.append(f"{iso(q)} AS {q}")
        elif t.endswith("[]") or t.startswith(("STRUCT", "MAP")):
            exprs.append(f"CAST(to_json({q}) AS VARCHAR) AS {q}")
        elif t == "VARCHAR":
            # Seized text a spreadsheet would run as a formula is written as plain text.
            exprs.append(
                f"CASE WHEN left({q}, 1) IN ('=', '+', '-', '@', chr(9), chr(13)) "
                f"THEN chr(39) || {q} ELSE {q} END AS {q}"
            )
        else:
            exprs.append(q)
    sql = f"SELECT {', '.join(exprs)} FROM {quote_ident(table)} ORDER BY ALL"
    engine.execute(f"COPY ({sql}) TO {quote_literal(str(target))} (FORMAT csv, HEADER)")
    return int(engine.scalar(f"SELECT count(*) FROM {quote_ident(table)}"))
