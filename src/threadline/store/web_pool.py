"""Read connections for the web server: a small pool, each read under a time limit.

The server keeps one writer (the case's :class:`Engine`, used for the audit log, users and
analyst decisions) and these read connections; a read that overruns is interrupted, so one
heavy page cannot stall the others.
"""

from __future__ import annotations

import queue
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import pyarrow as pa

from threadline.errors import EngineError
from threadline.store.engine import Engine, Rows


class QueryTimeout(EngineError):
    """A read ran past the server's time limit and was interrupted."""


class Watchdog:
    """One thread that interrupts every read still running past its deadline."""

    def __init__(self, tick_s: float = 0.05) -> None:
        self._tick = tick_s
        self._lock = threading.Lock()
        self._running: dict[int, tuple[float, Any, threading.Event]] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="read-watchdog", daemon=True)
        self._thread.start()

    def watch(self, con: Any, limit_s: float) -> threading.Event:
        """Start the clock on a connection's read; the event is set if it gets interrupted."""
        fired = threading.Event()
        with self._lock:
            self._running[id(con)] = (time.monotonic() + limit_s, con, fired)
        return fired

    def done(self, con: Any) -> None:
        """Stop watching a connection whose read has finished."""
        with self._lock:
            self._running.pop(id(con), None)

    def _loop(self) -> None:
        while not self._stop.wait(self._tick):
            now = time.monotonic()
            with self._lock:
                late = [k for k, (deadline, _, _) in self._running.items() if deadline < now]
                overdue = [self._running.pop(k) for k in late]
            for _, con, fired in overdue:
                fired.set()
                con.interrupt()

    def close(self) -> None:
        """Stop the watchdog thread."""
        self._stop.set()
        self._thread.join(timeout=5)


class Reader:
    """One read connection (a DuckDB cursor on the case database) with a time limit."""

    def __init__(self, con: Any, time_limit_s: float, watchdog: Watchdog) -> None:
        self._con = con
        self._limit = time_limit_s
        self._watchdog = watchdog

    def _run(self, sql: str, params: Sequence[Any] | None) -> Any:
        import duckdb

        fired = self._watchdog.watch(self._con, self._limit)
        try:
            return self._con.execute(sql, params)
        except duckdb.Error as exc:
            if fired.is_set():
                raise QueryTimeout(f"query exceeded {self._limit:.1f} s", sql) from exc
            raise EngineError(str(exc), sql) from exc
        finally:
            self._watchdog.done(self._con)

    def query(self, sql: str, params: Sequence[Any] | None = None) -> list[tuple[Any, ...]]:
        """Run a read under the time limit and return all rows."""
        rows: list[tuple[Any, ...]] = self._run(sql, params).fetchall()
        return rows

    def query_dicts(self, sql: str, params: Sequence[Any] | None = None) -> list[dict[str, Any]]:
        """Run a read under the time limit and return rows as dicts keyed by column name."""
        cur = self._run(sql, params)
        names = [d[0] for d in cur.description or []]
        return [dict(zip(names, row, strict=True)) for row in cur.fetchall()]

    def query_arrow(self, sql: str) -> pa.Table:
        """Run a read under the time limit and return an Arrow table."""
        table: pa.Table = self._run(sql, None).to_arrow_table()
        return table

    def register(self, name: str, table: pa.Table) -> None:
        """Make an Arrow table visible to SQL on this connection under ``name``."""
        self._con.register(name, table)


class ReadPool:
    """A fixed set of read connections handed out one thread at a time."""

    def __init__(self, engine: Engine, size: int = 4, time_limit_s: float = 10.0) -> None:
        from threadline.store.duckdb_engine import DuckDBEngine

        self._free: queue.Queue[Rows] = queue.Queue()
        self._all: list[Rows] = []
        self._cons: list[Any] = []
        self._watchdog = Watchdog()
        if isinstance(engine, DuckDBEngine):
            for _ in range(size):
                con = engine.con.cursor()
                con.execute("USE case_db")
                con.execute("SET TimeZone = 'UTC'")
                self._cons.append(con)
                self._all.append(Reader(con, time_limit_s, self._watchdog))
        else:  # other engines: reads share the writer's connection
            self._all.append(engine)
        for r in self._all:
            self._free.put(r)
        # The connection a thread holds: a read nested in another (a cached value computed
        # while computing another) reuses it instead of waiting for a second one, so
        # threads that each hold one can never wait on each other.
        self._held = threading.local()

    @contextmanager
    def reader(self, wait_s: float = 30.0) -> Iterator[Rows]:
        """Borrow a free read connection for a ``with`` block (the same one when nested).

        Raises:
            QueryTimeout: No connection became free within ``wait_s`` seconds.
        """
        held: Rows | None = getattr(self._held, "reader", None)
        if held is not None:
            yield held
            return
        try:
            r = self._free.get(timeout=wait_s)
        except queue.Empty:
            raise QueryTimeout("no read connection free", "") from None
        self._held.reader = r
        try:
            yield r
        finally:
            self._held.reader = None
            self._free.put(r)

    def share(self, tables: dict[str, pa.Table]) -> None:
        """Make in-memory tables visible to every read connection (waits for running reads)."""
        taken = [self._free.get() for _ in self._all]
        try:
            for r in taken:
                for name, table in tables.items():
                    r.register(name, table)
        finally:
            for r in taken:
                self._free.put(r)

    def close(self) -> None:
        """Stop the watchdog and close the read connections."""
        self._watchdog.close()
        for con in self._cons:
            con.close()
