"""Chain-of-custody records: sources, quarantine and per-table counts."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from threadline.schema import KINDS
from threadline.store.engine import Engine, quote_ident, quote_literal
from threadline.store.loader import LoadResult, SourceMeta


def find_source(engine: Engine, source_id: str) -> dict[str, Any] | None:
    """The record of an ingested source by its id, or None when there is none."""
    rows = sources(engine, "source_id = ?", [source_id])
    return rows[0] if rows else None


def record_source(
    engine: Engine, meta: SourceMeta, result: LoadResult, ignored: tuple[str, ...]
) -> None:
    """Record an ingested source: its file, seizure details and row counts.

    ``ignored`` lists the file's columns that are no field of its kind.
    """
    m = asdict(meta)
    engine.execute(
        "INSERT INTO sources VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            m["source_id"],
            m["sha256"],
            m["path"],
            m["size"],
            m["kind"],
            m["format"],
            m["agency"],
            m["seizure"],
            m["timezone"],
            m["country"],
            result.rows_read,
            result.stored,
            result.duplicate,
            result.quarantined,
            ",".join(ignored) or None,
            meta.ingested_at,
            m["os_user"],
            m["tool_version"],
        ],
    )


def sources(
    engine: Engine, where: str = "true", params: list[Any] | None = None
) -> list[dict[str, Any]]:
    """Recorded sources in ingest order, optionally narrowed by a SQL condition on them."""
    return engine.query_dicts(
        f"SELECT * FROM sources WHERE {where} ORDER BY ingested_at, source_id", params
    )


def quarantine(engine: Engine, source_id: str | None = None) -> list[dict[str, Any]]:
    """Quarantined rows with their source file and reason, for one source or all."""
    where = "WHERE q.source_id = ?" if source_id else ""
    return engine.query_dicts(
        "SELECT q.source_id, s.path, q.row, q.field, q.reason, q.detail, q.original "
        f"FROM quarantine q JOIN sources s USING (source_id) {where} "
        "ORDER BY s.ingested_at, q.source_id, q.row",
        [source_id] if source_id else None,
    )


def table_counts(engine: Engine) -> dict[str, int]:
    """Row counts of every evidence table and of quarantine, sources and audit."""
    return {
        name: int(engine.scalar(f"SELECT count(*) FROM {quote_ident(name)}"))
        for name in existing_tables(engine, (*KINDS, "quarantine", "conflicts", "sources", "audit"))
    }


def quarantine_by_reason(engine: Engine) -> dict[str, int]:
    """How many rows are quarantined for each reason."""
    return {
        str(r): int(n)
        for r, n in engine.query(
            "SELECT reason, count(*) FROM quarantine GROUP BY reason ORDER BY reason"
        )
    }


def content_digest(engine: Engine, kind: str, source_id: str) -> str:
    """A digest of everything a source put in the store.

    It covers the source's records, further deliveries and quarantined rows, in row order.
    Recorded in the (hash-chained) audit entry of the ingest, so an edit to any stored row
    outside Threadline shows in ``verify``.
    """
    sid = quote_literal(source_id)
    parts = [
        f'SELECT "row", md5(CAST(t AS VARCHAR)) AS h FROM {quote_ident(kind)} t '
        f"WHERE source_id = {sid}",
        f'SELECT "row", md5(CAST(d AS VARCHAR)) FROM deliveries d WHERE source_id = {sid}',
        f'SELECT "row", md5(CAST(q AS VARCHAR)) FROM quarantine q WHERE source_id = {sid}',
    ]
    if existing_tables(engine, ("conflicts",)):  # cases made before conflicts were kept lack it
        parts.append(
            f'SELECT "row", md5(CAST(c AS VARCHAR)) FROM conflicts c WHERE source_id = {sid}'
        )
    found = engine.scalar(
        f"SELECT sha256(coalesce(string_agg(h, '' ORDER BY \"row\", h), '')) "
        f"FROM ({' UNION ALL '.join(parts)})"
    )
    return str(found)


def ingest_digests(engine: Engine) -> list[tuple[int, str, str, str]]:
    """(audit seq, kind, source id, digest recorded at ingest) for every ingest entry."""
    return [
        (int(seq), str(kind), str(sid), str(digest))
        for seq, kind, sid, digest in engine.query(
            "SELECT seq, json_extract_string(details, '$.kind'), "
            "json_extract_string(details, '$.source_id'), "
            "json_extract_string(details, '$.content_digest') FROM audit "
            "WHERE action = 'ingest' AND json_extract_string(details, '$.content_digest') "
            "IS NOT NULL ORDER BY seq"
        )
    ]


# Tables whose rows each name the source that delivered them.
SOURCED_TABLES: tuple[str, ...] = (*KINDS, "quarantine", "deliveries", "conflicts", "media_files")


def existing_tables(engine: Engine, names: tuple[str, ...]) -> list[str]:
    """Those of ``names`` that are tables of this case (older cases lack newer tables)."""
    found = {
        str(n)
        for (n,) in engine.query(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema()"
        )
    }
    return [n for n in names if n in found]


def orphans(engine: Engine, *, torn_only: bool = False) -> dict[str, dict[str, int]]:
    """Rows of sources that were never recorded as ingested: source -> table -> row count.

    A source counts as ingested when both its ``sources`` row and its ingest audit entry
    exist; they are small and written last in the file's transaction. Rows without either
    are the remains of a commit cut short (DuckDB 1.5.5 replays a torn commit's large,
    optimistically written appends: duckdb/duckdb#25931) or rows added outside Threadline.
    ``torn_only`` keeps only sources that have neither, the shape a torn commit leaves.
    """
    parts = [
        f"SELECT {quote_literal(t)} AS t, source_id, count(*) AS n FROM {quote_ident(t)} "
        "GROUP BY source_id"
        for t in existing_tables(engine, SOURCED_TABLES)
    ]
    recorded = "SELECT source_id FROM sources"
    audited = (
        "SELECT json_extract_string(details, '$.source_id') AS s FROM audit "
        "WHERE action = 'ingest' AND s IS NOT NULL"
    )
    unrecorded = f"source_id NOT IN ({recorded})"
    unaudited = f"source_id NOT IN ({audited})"
    where = (
        f"source_id IS NOT NULL AND {unrecorded} AND {unaudited}"
        if torn_only
        else f"source_id IS NULL OR {unrecorded} OR {unaudited}"
    )
    rows = engine.query(
        f"SELECT t, source_id, n FROM ({' UNION ALL '.join(parts)}) x "
        f"WHERE {where} ORDER BY source_id, t"
    )
    found: dict[str, dict[str, int]] = {}
    for table_name, sid, n in rows:
        found.setdefault(str(sid), {})[str(table_name)] = int(n)
    return found


def remove_orphans(engine: Engine, found: dict[str, dict[str, int]]) -> None:
    """Delete the rows of sources whose ingest never committed (call inside a transaction)."""
    for sid, tables in found.items():
        for t in tables:
            cond = "source_id IS NULL" if sid == "None" else "source_id = ?"
            engine.execute(
                f"DELETE FROM {quote_ident(t)} WHERE {cond}", None if sid == "None" else [sid]
            )


def conflicts(engine: Engine, source_id: str | None = None) -> list[dict[str, Any]]:
    """Later versions of stored records whose content differs, with both provenances."""
    if not existing_tables(engine, ("conflicts",)):
        return []
    where = "WHERE c.source_id = ?" if source_id else ""
    return engine.query_dicts(
        "SELECT c.table_name, c.record_id, c.source_id, s.path, c.row, c.kept_source_id, "
        "k.path AS kept_path, c.kept_row, c.fields, c.version FROM conflicts c "
        "JOIN sources s ON s.source_id = c.source_id "
        f"LEFT JOIN sources k ON k.source_id = c.kept_source_id {where} "
        "ORDER BY c.table_name, c.record_id, s.ingested_at, c.row",
        [source_id] if source_id else None,
    )
