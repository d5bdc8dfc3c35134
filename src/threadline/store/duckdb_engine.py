"""The embedded default engine: one DuckDB file per case, optionally encrypted at rest."""

from __future__ import annotations

import contextlib
import os
import threading
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import pyarrow as pa

from threadline.errors import CaseError, EngineError, KeyRequiredError
from threadline.store import spill
from threadline.store.engine import Dialect, Engine, StagedFile, quote_ident, quote_literal
from threadline.store.statements import Statement, current_purpose

DIALECT = Dialect("duckdb")
MEMORY_ENV = "THREADLINE_MEMORY_LIMIT"
DEFAULT_MEMORY = "5GB"
# Longest single record we accept (bytes); longer lines are quarantined, not read into memory.
MAX_LINE_BYTES = 8 * 1024 * 1024


def _httpfs_extension() -> Path:
    """The httpfs extension file shipped by the duckdb-extension-httpfs wheel.

    DuckDB writes encrypted databases only with httpfs's crypto module loaded, and these
    machines cannot download extensions, so it is installed from PyPI and loaded from its file.
    """
    import duckdb_extension_httpfs

    found = sorted(Path(duckdb_extension_httpfs.__file__).parent.rglob("httpfs.duckdb_extension"))
    if not found:
        raise CaseError("the duckdb-extension-httpfs package has no extension file")
    return found[-1]


class DuckDBEngine(Engine):
    """A DuckDB connection with the case database attached as the default catalog."""

    dialect = DIALECT

    def __init__(
        self,
        db_path: Path,
        *,
        key: str | None = None,
        read_only: bool = False,
        threads: int | None = None,
        memory_limit: str | None = None,
    ) -> None:
        self.path = db_path
        self.tmp_dir = db_path.parent / "tmp"
        self._lock = threading.RLock()
        self._in_tx = False
        self.max_temp = spill.max_temp(self.tmp_dir)
        config: dict[str, Any] = {}
        if threads:
            config["threads"] = threads
        # DuckDB would otherwise take 80% of the machine before spilling to CASE/tmp; a bound
        # keeps a laptop usable. 5 GB, not 6: the process (Python, Arrow, the allocator's
        # slack) holds ~0.5 GB beside it, and the Europol goal is a peak under 6 GB.
        config["memory_limit"] = memory_limit or os.environ.get(MEMORY_ENV, DEFAULT_MEMORY)
        con = duckdb.connect(config=config)
        try:
            if key is not None:
                con.execute(f"LOAD {quote_literal(str(_httpfs_extension()))}")
                # Spills of an encrypted case hold the same names, phones and IPs as the
                # database: they are encrypted with it (DuckDB 1.5's temp_file_encryption).
                con.execute("SET temp_file_encryption = true")
            options = []
            if key is not None:
                options.append(f"ENCRYPTION_KEY {quote_literal(key)}")
            if read_only:
                options.append("READ_ONLY")
            suffix = f" ({', '.join(options)})" if options else ""
            con.execute(f"ATTACH {quote_literal(str(db_path))} AS case_db{suffix}")
            con.execute("USE case_db")
            con.execute("SET TimeZone = 'UTC'")
            con.execute(f"SET temp_directory = {quote_literal(str(self.tmp_dir))}")
            con.execute("SET preserve_insertion_order = true")
            try:
                con.execute(f"SET max_temp_directory_size = {quote_literal(self.max_temp)}")
            except duckdb.Error as exc:
                raise spill.bad_setting(self.max_temp, str(exc)) from None
        except duckdb.Error as exc:
            con.close()
            text = str(exc)
            if "without a key" in text or ("encrypted" in text.lower() and key is None):
                raise KeyRequiredError(
                    f"{db_path.parent}: the case is encrypted; give its key "
                    "(THREADLINE_KEY or --key-file)"
                ) from None
            if "encryption key" in text.lower():
                raise KeyRequiredError(f"{db_path.parent}: wrong key for this case") from None
            raise CaseError(f"{db_path}: cannot open the case database: {text}") from None
        except BaseException:
            con.close()
            raise
        self.con = con
        if not read_only:  # the write lock is ours: no other process spills here now
            spill.remove_leftovers(self.tmp_dir)

    def _refused(self, exc: Exception, sql: str) -> EngineError:
        """DuckDB's refusal as an EngineError, with the spill limit named when it was that."""
        return EngineError(spill.explain_refusal(str(exc), self.max_temp, self.tmp_dir), sql)

    def _run(self, sql: str, params: Sequence[Any] | None, *, count: bool) -> Any:
        """Execute under the lock; a watcher sees the statement start and finish."""
        watch = self.watch
        if watch is None:
            try:
                return self.con.execute(sql, params)
            except duckdb.Error as exc:
                raise self._refused(exc, sql) from exc
        purpose = current_purpose()
        watch(Statement(purpose, done=False))
        started = time.perf_counter()
        try:
            cur = self.con.execute(sql, params)
        except duckdb.Error as exc:
            raise self._refused(exc, sql) from exc
        rows = None
        # Rows written: INSERT and CREATE ... AS answer with one "Count" column (so do
        # UPDATE and DELETE, whose counts are not rows a step produced).
        writes = sql.lstrip().upper().startswith(("INSERT", "CREATE"))
        if count and writes and [d[0] for d in cur.description or []] == ["Count"]:
            fetched = cur.fetchone()
            rows = int(fetched[0]) if fetched else None
        watch(Statement(purpose, True, rows, time.perf_counter() - started))
        return cur

    # -- statements -------------------------------------------------------------------------
    def execute(self, sql: str, params: Sequence[Any] | None = None) -> None:
        """Run a statement; a DuckDB error is raised as an EngineError carrying the SQL."""
        with self._lock:
            self._run(sql, params, count=True)

    def query(self, sql: str, params: Sequence[Any] | None = None) -> list[tuple[Any, ...]]:
        """Run a query and return all rows."""
        with self._lock:
            cur = self._run(sql, params, count=False)
            try:
                rows: list[tuple[Any, ...]] = cur.fetchall()
            except duckdb.Error as exc:
                raise self._refused(exc, sql) from exc
            return rows

    def query_dicts(self, sql: str, params: Sequence[Any] | None = None) -> list[dict[str, Any]]:
        """Run a query and return rows as dicts keyed by column name."""
        with self._lock:
            cur = self._run(sql, params, count=False)
            names = [d[0] for d in cur.description or []]
            try:
                return [dict(zip(names, row, strict=True)) for row in cur.fetchall()]
            except duckdb.Error as exc:
                raise self._refused(exc, sql) from exc

    def query_arrow(self, sql: str) -> pa.Table:
        """Run a query and return an Arrow table."""
        with self._lock:
            cur = self._run(sql, None, count=False)
            try:
                table: pa.Table = cur.to_arrow_table()
            except duckdb.Error as exc:
                raise self._refused(exc, sql) from exc
            return table

    def iter_batches(self, sql: str, batch_rows: int = 100_000) -> Iterator[pa.RecordBatch]:
        """Stream a query's result in Arrow batches; the connection stays locked until the end."""
        with self._lock:
            try:
                reader = self.con.execute(sql).to_arrow_reader(batch_rows)
            except duckdb.Error as exc:
                raise self._refused(exc, sql) from exc
            yield from reader

    def register(self, name: str, table: pa.Table) -> None:
        """Make an Arrow table visible to SQL under ``name`` until unregistered."""
        with self._lock:
            self.con.register(name, table)

    def unregister(self, name: str) -> None:
        """Drop a registered Arrow table."""
        with self._lock:
            self.con.unregister(name)

    @contextlib.contextmanager
    def transaction(self) -> Iterator[None]:
        """All statements inside commit together or not at all; a nested use joins the outer one."""
        with self._lock:
            if self._in_tx:  # nested use joins the outer transaction
                yield
                return
            self.con.execute("BEGIN TRANSACTION")
            self._in_tx = True
            try:
                yield
            except BaseException:
                self.con.execute("ROLLBACK")
                raise
            else:
                self.con.execute("COMMIT")
            finally:
                self._in_tx = False

    # -- staging ----------------------------------------------------------------------------
    def stage_csv(self, path: Path, columns: Sequence[str], table: str) -> StagedFile:
        """Load a headered CSV file as text columns into a staging view.

        Rows are numbered as a spreadsheet does (the header is row 1). Records the reader
        cannot split into fields, or longer than ``MAX_LINE_BYTES``, are left out as rejects.
        """
        cols = "{" + ", ".join(f"{quote_literal(c)}: 'VARCHAR'" for c in columns) + "}"
        reader = (
            f"read_csv({quote_literal(str(path))}, auto_detect=false, header=true, "
            f"columns={cols}, delim=',', quote='\"', escape='\"', encoding='utf-8', "
            f"ignore_errors=true, store_rejects=true, rejects_table='{table}_rej', "
            f"rejects_scan='{table}_scan', max_line_size={MAX_LINE_BYTES})"
        )
        # DuckDB numbers records from the header (row 1), as a spreadsheet does.
        return self._stage(reader, table, first_row=2)

    def stage_lines(self, path: Path, table: str) -> StagedFile:
        """Load a text file one line per row (column ``line``) into a staging view.

        Lines are numbered from 1; lines the reader cannot take (such as ones longer than
        ``MAX_LINE_BYTES``) are left out as rejects.
        """
        reader = (
            f"read_csv({quote_literal(str(path))}, auto_detect=false, header=false, "
            "columns={'line': 'VARCHAR'}, delim=chr(0), quote='', escape='', new_line='\\n', "
            f"encoding='utf-8', ignore_errors=true, store_rejects=true, "
            f"rejects_table='{table}_rej', rejects_scan='{table}_scan', "
            f"max_line_size={MAX_LINE_BYTES})"
        )
        return self._stage(reader, table, first_row=1)

    def stage_arrow(self, records: pa.Table | pa.RecordBatchReader, table: str) -> StagedFile:
        """Copy records parsed in Python (text columns plus ``_row``) into a staging table.

        A RecordBatchReader is scanned exactly once.
        """
        # A RecordBatchReader (a parser streaming a large export) is scanned exactly once.
        self.register(f"{table}_arrow", records)
        try:
            self.execute(
                f"CREATE OR REPLACE TEMP TABLE {quote_ident(table + '_raw')} AS "
                f"SELECT * FROM {quote_ident(table + '_arrow')}"
            )
        finally:
            self.unregister(f"{table}_arrow")
        self.execute(
            f"CREATE OR REPLACE TEMP VIEW {quote_ident(table)} AS "
            f"SELECT * FROM {quote_ident(table + '_raw')}"
        )
        rows = int(self.scalar(f"SELECT count(*) FROM {quote_ident(table + '_raw')}"))
        return StagedFile(table=table, rows=rows, rejects=[])

    def _stage(self, reader: str, table: str, *, first_row: int) -> StagedFile:
        t = quote_ident(table)
        raw = quote_ident(table + "_raw")
        self.execute(f"CREATE OR REPLACE TEMP TABLE {raw} AS SELECT * FROM {reader}")
        rejects = self.query(
            f"SELECT line, string_agg(DISTINCT error_type, '; '), any_value(csv_line) "
            f"FROM {quote_ident(table + '_rej')} GROUP BY line ORDER BY line"
        )
        self.execute(f"DROP TABLE IF EXISTS temp.{quote_ident(table + '_rej')}")
        self.execute(f"DROP TABLE IF EXISTS temp.{quote_ident(table + '_scan')}")
        # Row ids of rows not yet committed start at a large offset: count from the first.
        base = int(self.scalar(f"SELECT coalesce(min(rowid), 0) FROM {raw}"))
        k = f"(r.rowid - {base})"
        row_expr, source = f"CAST({k} + {first_row} AS BIGINT)", f"{raw} r"
        if rejects:
            # The k-th stored record sits after every rejected record j (0-based, sorted)
            # with line_j - first_row - j <= k; its number skips over them. The numbers are
            # computed once here and joined by position (a correlated count ran at every use
            # of the view; a join on the number would sort or reorder the records).
            offsets = np.array([line - first_row - j for j, (line, _, _) in enumerate(rejects)])
            stored = np.arange(int(self.scalar(f"SELECT count(*) FROM {raw}")), dtype=np.int64)
            numbers = stored + first_row + np.searchsorted(offsets, stored, side="right")
            self.register(f"{table}_num", pa.table({"_row": pa.array(numbers, pa.int64())}))
            try:
                self.execute(
                    f"CREATE OR REPLACE TEMP TABLE {quote_ident(table + '_rows')} AS "
                    f"SELECT _row FROM {quote_ident(table + '_num')}"
                )
            finally:
                self.unregister(f"{table}_num")
            row_expr = "m._row"
            source += f" POSITIONAL JOIN {quote_ident(table + '_rows')} m"
        self.execute(
            f"CREATE OR REPLACE TEMP VIEW {t} AS SELECT {row_expr} AS _row, r.* FROM {source}"
        )
        rows = int(self.scalar(f"SELECT count(*) FROM {raw}"))
        return StagedFile(
            table=table,
            rows=rows,
            rejects=[(int(line), str(kind), str(text or "")) for line, kind, text in rejects],
        )

    def splink_api(self) -> Any:
        """Splink works in its own in-memory DuckDB, so its scratch tables stay out of the case."""
        from splink import DuckDBAPI

        con = duckdb.connect()
        con.execute("SET TimeZone = 'UTC'")
        return DuckDBAPI(connection=con)

    def drop_stage(self, table: str) -> None:
        """Remove a staging view or table and its raw table."""
        self._drop_temp(table)
        for suffix in ("_raw", "_rows"):
            self.execute(f"DROP TABLE IF EXISTS temp.{quote_ident(table + suffix)}")

    def _drop_temp(self, name: str) -> None:
        """Drop a temporary view or table, whichever ``name`` is (a stage may be either)."""
        kinds = self.query(
            "SELECT 'VIEW' FROM duckdb_views() WHERE temporary AND view_name = ? "
            "UNION ALL SELECT 'TABLE' FROM duckdb_tables() WHERE temporary AND table_name = ?",
            [name, name],
        )
        for (kind,) in kinds:
            self.execute(f"DROP {kind} IF EXISTS temp.{quote_ident(name)}")

    def close(self) -> None:
        """Close the DuckDB connection."""
        with self._lock:
            self.con.close()
