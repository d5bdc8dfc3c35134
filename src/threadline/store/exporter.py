"""Write stored tables as JSON Lines through the engine (no per-row Python)."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from pathlib import Path

from threadline.store.engine import Engine, quote_ident, quote_literal
from threadline.store.tables import TABLES as STORE_TABLES
from threadline.store.tables import Columns

ISO = "'%Y-%m-%dT%H:%M:%S.%fZ'"
ORDER = {
    "sources": "ingested_at, source_id",
    "quarantine": 'source_id, "row"',
    "provenance": 'table_name, record_id, source_id, "row"',
    "audit": "seq",
}


def iso(col: str) -> str:
    """A timestamp column as the export contract's ISO 8601 UTC text."""
    return f"strftime({col}, {ISO})"


def _select(table: str, cols: Columns, order: str) -> str:
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


def export_tables(
    engine: Engine,
    out: Path,
    records: Mapping[str, Columns],
    analysis_files: Mapping[str, str],
) -> dict[str, dict[str, object]]:
    """Export each analysis file, every canonical table and the custody tables as JSON Lines.

    ``records`` are the canonical tables (ordered by record id); ``analysis_files`` map a
    file stem to the SQL giving its rows (see :func:`threadline.pipeline.exports`).
    """
    out.mkdir(parents=True, exist_ok=True)
    files: dict[str, dict[str, object]] = {}
    for name, sql in analysis_files.items():
        target = out / f"{name}.jsonl"
        engine.execute(f"COPY ({sql}) TO {quote_literal(str(target))} (FORMAT json)")
        rows = int(engine.scalar(f"SELECT count(*) FROM ({sql})"))
        files[target.name] = {"rows": rows, "sha256": _sha256(target)}
    plain = {name: (cols, "record_id") for name, cols in records.items()}
    for table in ("sources", "quarantine", "provenance", "audit"):
        spec = STORE_TABLES["deliveries" if table == "provenance" else table]
        plain[table] = (spec.columns, ORDER[table])
    for table, (cols, order) in plain.items():
        target = out / f"{table}.jsonl"
        engine.execute(
            f"COPY ({_select(table, cols, order)}) TO {quote_literal(str(target))} (FORMAT json)"
        )
        rows = int(engine.scalar(f"SELECT count(*) FROM {quote_ident(table)}"))
        files[target.name] = {"rows": rows, "sha256": _sha256(target)}
    return files


def sha256_file(path: Path) -> str:
    """The hex sha256 of a file's contents, read in 1 MiB chunks."""
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        while chunk := fh.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


_sha256 = sha256_file  # the name the exporter calls (tests interrupt it here)
