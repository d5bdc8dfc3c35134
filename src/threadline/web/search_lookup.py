"""The search step's value lookups: sorted (field, value, row id) tables of what search compares.

A search compares the query with a handful of columns of ``selectors``, ``accounts``,
``logins`` and ``payments``, some of them folded (``lower(trim(...))``). Scanning the tables
for that costs milliseconds per query and per table at ``medium``; the ``search`` analysis
step writes each table's compared values once, ordered by value, so one query filtered with
one ``IN`` finds the row ids of every table (:func:`find_rows`), and only the tables with
hits are read.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from threadline.resolve.sql import account_key
from threadline.store import full_text
from threadline.store.engine import Engine, Rows

SCHEMA = "search_lookup"
# Per table, each field a search compares and its SQL, as search_sql's scans compare them:
# "text" fields folded, the others as stored.
LOOKUPS: dict[str, tuple[tuple[str, str], ...]] = {
    "selectors": (("value", "value"),),
    "accounts": (
        ("text", "lower(trim(account_id))"),
        ("key", account_key("platform", "account_id")),
        ("ip", "registration_ip"),
    ),
    "logins": (("ip", "ip"), ("text", "lower(trim(device_id))")),
    "payments": (
        ("text", "lower(trim(transaction_id))"),
        ("text", "lower(trim(sender_account))"),
        ("text", "lower(trim(receiver_account))"),
        ("phone", "sender_phone"),
        ("phone", "receiver_phone"),
    ),
}
# Only the rows a search reads are looked up.
ROWS = {"selectors": "selector_type IN ('phone', 'email', 'device')"}
_COUNT = "(SELECT coalesce(max(rowid) + 1, 0) FROM {table})"
# The audit entry of the last resolve run (each stage commits with its entry): resolve
# rewrites the selectors, and their row ids with them.
_RESOLVED = """(SELECT coalesce(max(seq), 0) FROM audit WHERE action = 'analyze'
                AND json_extract_string(details, '$.stage') = 'resolve')"""


def table_of(table: str) -> str:
    """The lookup table of ``table``'s searched values."""
    return f"{SCHEMA}.{table}"


def build(engine: Engine) -> dict[str, int]:
    """Write :data:`LOOKUPS`, ordered by value, so an equality reads one row group of each.

    Each records what it covers: its table's rows, and the last ``resolve`` run. After an
    ingest or a resolve the search step has not followed yet, :func:`current` leaves it out
    and the search scans the table.
    """
    engine.execute(f"CREATE SCHEMA IF NOT EXISTS {SCHEMA}")
    summary = {}
    for table, fields in LOOKUPS.items():
        rows = ROWS.get(table, "true")
        parts = " UNION ALL ".join(
            f"SELECT '{field}' AS field, {sql} AS value, rowid AS rid FROM {table} "
            f"WHERE {sql} IS NOT NULL AND {rows}"
            for field, sql in fields
        )
        summary[f"{table}_lookup_values"] = full_text.write_derived(
            engine, table_of(table), f"SELECT * FROM ({parts}) ORDER BY value, field, rid"
        )
        full_text.write_derived(
            engine,
            f"{table_of(table)}_covered",
            f"SELECT {_COUNT.format(table=table)} AS rows_covered, {_RESOLVED} AS resolved",
        )
    return summary


def current(r: Rows) -> frozenset[str]:
    """The tables whose lookup is current (none in a case analysed before lookups existed)."""
    found = r.query(
        "SELECT count(*) FROM information_schema.tables WHERE table_schema = ? "
        "AND list_contains(?, table_name) AND table_catalog = current_database()",
        [SCHEMA, [f"{t}_covered" for t in LOOKUPS]],
    )
    if int(found[0][0]) < len(LOOKUPS):
        return frozenset()
    return frozenset(
        table
        for table in LOOKUPS
        if r.query(
            f"SELECT rows_covered = {_COUNT.format(table=table)} AND resolved = {_RESOLVED} "
            f"FROM {table_of(table)}_covered"
        )[0][0]
    )


def find_rows(r: Rows, wanted: Mapping[str, Mapping[str, Sequence[Any]]]) -> dict[str, list[int]]:
    """Row ids per table where a field equals one of its wanted values (one query).

    ``wanted`` maps table -> field -> values (None values are ignored); every table asked
    for is in the answer, with no ids when nothing matched.
    """
    found: dict[str, list[int]] = {t: [] for t in wanted}
    parts, params = [], []
    for table, fields in wanted.items():
        lists = {f: [v for v in vs if v is not None] for f, vs in fields.items()}
        values = sorted({v for vs in lists.values() for v in vs})
        if not values:
            continue
        marks = ", ".join("?" for _ in values)
        either = " OR ".join(f"(field = '{f}' AND list_contains(?, value))" for f in lists)
        parts.append(
            f"SELECT '{table}' AS t, rid FROM {table_of(table)} "
            f"WHERE value IN ({marks}) AND ({either})"
        )
        params += [*values, *lists.values()]
    if parts:
        for table, rid in r.query(" UNION ".join(parts) + " ORDER BY 1, 2", params):
            found[str(table)].append(int(rid))
    return found
