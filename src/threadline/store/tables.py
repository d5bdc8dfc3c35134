"""Creating a case's tables: every table is declared as data by the module that writes it.

Each owner (``store`` itself, ``ingest`` and every analysis stage's ``sql`` module) declares a
``TABLES`` mapping of table name to :class:`Table`; :mod:`threadline.pipeline` lists the owners
and :func:`create_all` makes every table once, when a case is made or opened.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from threadline.schema import NORMALISED_TYPES, Kind, ValueType
from threadline.store.engine import Engine, quote_ident

SQL_TYPES = {
    ValueType.TIMESTAMP: "TIMESTAMP",
    ValueType.DECIMAL: "DECIMAL(38, 8)",
    ValueType.LATITUDE: "DOUBLE",
    ValueType.LONGITUDE: "DOUBLE",
    ValueType.INTEGER: "BIGINT",
    ValueType.BOOLEAN: "BOOLEAN",
}

Columns = tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class Table:
    """A stored table's columns (name, SQL type) in order.

    ``per_table_export`` says whether the table is written by the CSV-per-table export:
    working tables a stage rebuilds on every run (edges, episodes, metrics) are not.
    """

    columns: Columns
    per_table_export: bool = True


def columns(spec: str) -> Columns:
    r"""Parse ``"a VARCHAR, \"at\" TIMESTAMP, ids VARCHAR[]"`` into (name, type) pairs."""
    pairs = []
    for part in spec.split(","):
        name, sql_type = part.split(None, 1)
        pairs.append((name.strip('"'), sql_type.strip()))
    return tuple(pairs)


def table(spec: str, *, per_table_export: bool = True) -> Table:
    """A :class:`Table` from a column list written as SQL."""
    return Table(columns(spec), per_table_export)


# What the store itself keeps for every case: custody, quarantine and the audit chain.
TABLES: dict[str, Table] = {
    "sources": table(
        "source_id VARCHAR, sha256 VARCHAR, path VARCHAR, size BIGINT, kind VARCHAR,"
        "format VARCHAR, agency VARCHAR, seizure VARCHAR, timezone VARCHAR, country VARCHAR,"
        "rows_read BIGINT, rows_stored BIGINT, rows_duplicate BIGINT, rows_quarantined BIGINT,"
        "ignored_fields VARCHAR, ingested_at TIMESTAMP, os_user VARCHAR, tool_version VARCHAR"
    ),
    "quarantine": table(
        "source_id VARCHAR, row BIGINT, field VARCHAR, reason VARCHAR, detail VARCHAR,"
        "original VARCHAR"
    ),
    # Further deliveries of records already stored (the first is on the record itself);
    # the view ``provenance`` unions both.
    "deliveries": table("table_name VARCHAR, record_id VARCHAR, source_id VARCHAR, row BIGINT"),
    # Later versions of a stored record (same platform + message id, same provider +
    # transaction id) whose content differs: kept here, never dropped; ``fields`` names the
    # fields that differ from the kept version and ``version`` holds the later values.
    "conflicts": table(
        "table_name VARCHAR, record_id VARCHAR, source_id VARCHAR, row BIGINT,"
        "kept_source_id VARCHAR, kept_row BIGINT, fields VARCHAR, version VARCHAR"
    ),
    "audit": table(
        "seq BIGINT, at TIMESTAMP, os_user VARCHAR, action VARCHAR, details VARCHAR,"
        "prev_hash VARCHAR, hash VARCHAR"
    ),
}

# The export contract's file of conflicting versions (``conflicts.jsonl``).
EXPORTS: dict[str, str] = {
    "conflicts": "SELECT c.table_name, c.record_id, c.source_id, s.sha256 AS source_sha256, "
    'c."row", c.kept_source_id, k.sha256 AS kept_source_sha256, c.kept_row, '
    "string_split(c.fields, ',') AS fields, json(c.version) AS version FROM conflicts c "
    "JOIN sources s ON s.source_id = c.source_id "
    "LEFT JOIN sources k ON k.source_id = c.kept_source_id "
    'ORDER BY c.table_name, c.record_id, c.source_id, c."row"'
}


def stored_columns(kind: Kind) -> Columns:
    """(name, SQL type) of a canonical kind's stored table, in order."""
    cols = [("record_id", "VARCHAR"), ("source_id", "VARCHAR"), ("row", "BIGINT")]
    for f in kind.fields:
        cols.append((f.name, SQL_TYPES.get(f.type, "VARCHAR")))
    for f in kind.fields:
        if f.type in NORMALISED_TYPES:
            cols.append((f"{f.name}_original", "VARCHAR"))
    return tuple(cols)


def create_all(engine: Engine, layouts: Mapping[str, Table], record_tables: Sequence[str]) -> None:
    """Create every declared table that is missing, and the ``provenance`` view.

    ``record_tables`` are the canonical tables whose rows carry their first delivery.
    """
    for name, spec in layouts.items():
        cols = ", ".join(f"{quote_ident(n)} {t}" for n, t in spec.columns)
        engine.execute(f"CREATE TABLE IF NOT EXISTS {quote_ident(name)} ({cols})")
    firsts = " UNION ALL ".join(
        f"SELECT '{k}' AS table_name, record_id, source_id, \"row\" FROM {quote_ident(k)}"
        for k in record_tables
    )
    kind_of = engine.scalar(
        "SELECT table_type FROM information_schema.tables WHERE table_name = 'provenance' "
        "AND table_schema = current_schema()"
    )
    if kind_of == "BASE TABLE":  # cases made before 0.1 kept every delivery in a table
        engine.execute(
            f"INSERT INTO deliveries SELECT p.* FROM provenance p WHERE NOT EXISTS ("
            f"SELECT 1 FROM ({firsts}) f WHERE f.record_id = p.record_id "
            f'AND f.source_id = p.source_id AND f."row" = p."row")'
        )
        engine.execute("DROP TABLE provenance")
    engine.execute(
        f"CREATE OR REPLACE VIEW provenance AS {firsts} UNION ALL "
        'SELECT table_name, record_id, source_id, "row" FROM deliveries'
    )
