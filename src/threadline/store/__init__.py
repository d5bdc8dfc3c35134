"""The store: all SQL and every engine import live in this package."""

from threadline.store.engine import Engine, StagedFile


def open_duckdb(path: "object", **kwargs: object) -> Engine:
    """Open (or create) a DuckDB case database; see :class:`DuckDBEngine` for options."""
    from pathlib import Path

    from threadline.store.duckdb_engine import DuckDBEngine

    return DuckDBEngine(Path(str(path)), **kwargs)  # type: ignore[arg-type]


__all__ = ["Engine", "StagedFile", "open_duckdb"]
