"""The store: all SQL and every engine import live in this package."""

from threadline.store.engine import Engine, StagedFile


def open_duckdb(path: "object", **kwargs: object) -> Engine:
    """Open (or create) a DuckDB case database; see :class:`DuckDBEngine` for options."""
    from pathlib import Path

    from threadline.store.duckdb_engine import DuckDBEngine

    return DuckDBEngine(Path(str(path)), **kwargs)  # type: ignore[arg-type]


def open_spark(case_dir: "object", master: str | None = None, **kwargs: object) -> Engine:
    """Open a case's Parquet tables on Spark; see :class:`SparkEngine` for options."""
    from pathlib import Path

    try:
        from threadline.store.spark_engine import DEFAULT_MASTER, SparkEngine
    except ImportError as exc:
        from threadline.errors import CaseError

        raise CaseError(
            f"the Spark engine needs PySpark: pip install 'threadline[spark]' ({exc})"
        ) from None
    return SparkEngine(Path(str(case_dir)), master=master or DEFAULT_MASTER, **kwargs)  # type: ignore[arg-type]


__all__ = ["Engine", "StagedFile", "open_duckdb", "open_spark"]
