"""Write stored tables as JSON Lines through the engine (no per-row Python)."""

from __future__ import annotations

import hashlib
from pathlib import Path

from threadline.schema import KINDS
from threadline.store.engine import Engine, quote_ident, quote_literal
from threadline.store.tables import SYSTEM_TABLES, stored_columns

ORDER = {
    "sources": "ingested_at, source_id",
    "quarantine": 'source_id, "row"',
    "provenance": 'table_name, record_id, source_id, "row"',
    "audit": "seq",
}


def _select(table: str) -> str:
    if table in KINDS:
        cols = stored_columns(KINDS[table])
        order = "record_id"
    else:
        cols = SYSTEM_TABLES["deliveries" if table == "provenance" else table]
        order = ORDER[table]
    exprs = []
    for name, sql_type in cols:
        q = quote_ident(name)
        if sql_type == "TIMESTAMP":
            exprs.append(f"strftime({q}, '%Y-%m-%dT%H:%M:%S.%fZ') AS {q}")
        elif sql_type.startswith("DECIMAL"):
            exprs.append(f"CAST({q} AS VARCHAR) AS {q}")  # exact amounts stay exact as text
        else:
            exprs.append(q)
    return f"SELECT {', '.join(exprs)} FROM {quote_ident(table)} ORDER BY {order}"


def analysis_files() -> dict[str, str]:
    """The analysis files of the export contract: file stem -> SQL producing its rows."""
    from threadline.store import media_sql, share_sql
    from threadline.store.resolve_sql import persons_export_sql

    return {
        "persons": persons_export_sql(),
        "networks": share_sql.networks_export_sql(),
        "targets": share_sql.targets_export_sql(),
        "sessions": share_sql.sessions_export_sql(),
        "rescue": share_sql.rescue_export_sql(),
        **media_sql.export_sql(),  # media_matches, media_files, media_groups, media_links
    }


def export_tables(engine: Engine, out: Path) -> dict[str, dict[str, object]]:
    """Export every canonical and system table, and each analysis file, as JSON Lines."""
    out.mkdir(parents=True, exist_ok=True)
    files: dict[str, dict[str, object]] = {}
    for name, sql in analysis_files().items():
        target = out / f"{name}.jsonl"
        engine.execute(f"COPY ({sql}) TO {quote_literal(str(target))} (FORMAT json)")
        rows = int(engine.scalar(f"SELECT count(*) FROM ({sql})"))
        files[target.name] = {"rows": rows, "sha256": _sha256(target)}
    for table in (*KINDS, "sources", "quarantine", "provenance", "audit"):
        target = out / f"{table}.jsonl"
        sql = _select(table)
        engine.execute(f"COPY ({sql}) TO {quote_literal(str(target))} (FORMAT json)")
        rows = int(engine.scalar(f"SELECT count(*) FROM {quote_ident(table)}"))
        files[target.name] = {"rows": rows, "sha256": _sha256(target)}
    return files


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        while chunk := fh.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()
