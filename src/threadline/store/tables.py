"""Table layout of a case store, derived from the canonical model in :mod:`threadline.schema`."""

from __future__ import annotations

from threadline.schema import KINDS, NORMALISED_TYPES, Kind, ValueType
from threadline.store.engine import Engine, quote_ident

SQL_TYPES = {
    ValueType.TIMESTAMP: "TIMESTAMP",
    ValueType.DECIMAL: "DECIMAL(38, 8)",
    ValueType.LATITUDE: "DOUBLE",
    ValueType.LONGITUDE: "DOUBLE",
    ValueType.INTEGER: "BIGINT",
    ValueType.BOOLEAN: "BOOLEAN",
}


def _cols(spec: str) -> list[tuple[str, str]]:
    return [tuple(p.split()) for p in spec.split(",")]  # type: ignore[misc]


SYSTEM_TABLES: dict[str, list[tuple[str, str]]] = {
    "sources": _cols(
        "source_id VARCHAR, sha256 VARCHAR, path VARCHAR, size BIGINT, kind VARCHAR,"
        "format VARCHAR, agency VARCHAR, seizure VARCHAR, timezone VARCHAR, country VARCHAR,"
        "rows_read BIGINT, rows_stored BIGINT, rows_duplicate BIGINT, rows_quarantined BIGINT,"
        "ignored_fields VARCHAR, ingested_at TIMESTAMP, os_user VARCHAR, tool_version VARCHAR"
    ),
    "quarantine": _cols(
        "source_id VARCHAR, row BIGINT, field VARCHAR, reason VARCHAR, detail VARCHAR,"
        "original VARCHAR"
    ),
    # Further deliveries of records already stored (the first is on the record itself);
    # the view ``provenance`` unions both.
    "deliveries": _cols("table_name VARCHAR, record_id VARCHAR, source_id VARCHAR, row BIGINT"),
    "audit": _cols(
        "seq BIGINT, at TIMESTAMP, os_user VARCHAR, action VARCHAR, details VARCHAR,"
        "prev_hash VARCHAR, hash VARCHAR"
    ),
}


def stored_columns(kind: Kind) -> list[tuple[str, str]]:
    """(name, SQL type) of a kind's stored table, in order."""
    cols = [("record_id", "VARCHAR"), ("source_id", "VARCHAR"), ("row", "BIGINT")]
    for f in kind.fields:
        cols.append((f.name, SQL_TYPES.get(f.type, "VARCHAR")))
    for f in kind.fields:
        if f.type in NORMALISED_TYPES:
            cols.append((f"{f.name}_original", "VARCHAR"))
    return cols


def create_all(engine: Engine) -> None:
    """Create every table of an empty case."""
    from threadline.store.findings_sql import create_tables as create_findings_tables
    from threadline.store.media_sql import create_tables as create_media_tables
    from threadline.store.resolve_sql import create_tables as create_person_tables

    create_person_tables(engine)
    create_findings_tables(engine)
    create_media_tables(engine)
    layouts = {**SYSTEM_TABLES, **{k.name: stored_columns(k) for k in KINDS.values()}}
    for name, columns in layouts.items():
        cols = ", ".join(f"{quote_ident(n)} {t}" for n, t in columns)
        engine.execute(f"CREATE TABLE IF NOT EXISTS {quote_ident(name)} ({cols})")
    firsts = " UNION ALL ".join(
        f"SELECT '{k}' AS table_name, record_id, source_id, \"row\" FROM {quote_ident(k)}"
        for k in KINDS
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
