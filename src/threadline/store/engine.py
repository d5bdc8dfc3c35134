"""The engine interface: the few operations Threadline needs from a SQL engine.

Everything above ``store/`` talks to an :class:`Engine`; only engine classes import an engine
library. SQL is written once in a portable form and the :class:`Dialect` covers the handful of
functions whose names or shapes differ between engines.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterator, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import pyarrow as pa

from threadline.store.statements import StatementWatch


@dataclass(frozen=True)
class Dialect:
    """Function spellings that differ between engines."""

    name: str

    def sha256(self, expr: str) -> str:
        """SQL for the hex SHA-256 digest of an expression."""
        return f"sha256({expr})"

    def regexp_matches(self, expr: str, pattern: str) -> str:
        """SQL that is true where an expression matches a regular expression."""
        return f"regexp_matches({expr}, {quote_literal(pattern)})"

    def local_to_utc(self, expr: str, timezone: str) -> str:
        """A naive local timestamp at ``timezone`` expressed as a naive UTC timestamp."""
        return f"CAST(timezone({quote_literal(timezone)}, {expr}) AS TIMESTAMP)"

    def utc_to_local(self, expr: str, timezone: str) -> str:
        """A naive UTC timestamp as the naive local wall time at ``timezone``."""
        return f"timezone({quote_literal(timezone)}, timezone('UTC', {expr}))"

    def offset_to_utc(self, expr: str) -> str:
        """An ISO 8601 text with an offset as a naive UTC timestamp."""
        return f"CAST(TRY_CAST({expr} AS TIMESTAMPTZ) AS TIMESTAMP)"

    def json_is_object(self, expr: str) -> str:
        """SQL that is true where a text is valid JSON holding an object."""
        return f"CASE WHEN json_valid({expr}) THEN json_type({expr}) = 'OBJECT' ELSE false END"

    def json_has_duplicate_keys(self, expr: str) -> str:
        """SQL that is true where a JSON object text names a top-level key twice."""
        return f"len(json_keys({expr})) <> len(list_distinct(json_keys({expr})))"

    def json_object(self, pairs: list[tuple[str, str]]) -> str:
        """SQL building a JSON object as text from (key, SQL value) pairs."""
        args = ", ".join(f"{quote_literal(k)}, {v}" for k, v in pairs)
        return f"CAST(json_object({args}) AS VARCHAR)"

    def json_text(self, expr: str, key: str) -> str:
        """SQL for the text under a top-level key of a JSON text."""
        return f"json_extract_string({expr}, {quote_literal('$.' + json_key(key))})"


def quote_literal(text: str) -> str:
    """Quote a string as a SQL literal."""
    return "'" + text.replace("'", "''") + "'"


def quote_ident(name: str) -> str:
    """Quote an identifier."""
    return '"' + name.replace('"', '""') + '"'


def json_key(key: str) -> str:
    """A key as a quoted member name in a JSON path, inner quotes escaped."""
    return '"' + key.replace('"', '\\"') + '"'


class Rows(Protocol):
    """Anything that runs a query: the case engine or a pooled read connection."""

    def query(self, sql: str, params: Sequence[Any] | None = None) -> list[tuple[Any, ...]]:
        """Run a query and return all rows."""
        ...

    def query_dicts(self, sql: str, params: Sequence[Any] | None = None) -> list[dict[str, Any]]:
        """Run a query and return rows as dicts keyed by column name."""
        ...

    def query_arrow(self, sql: str) -> pa.Table:
        """Run a query and return an Arrow table."""
        ...

    def register(self, name: str, table: pa.Table) -> None:
        """Make an Arrow table visible to SQL under ``name``."""
        ...


@dataclass(frozen=True)
class StagedFile:
    """A source file loaded as text into a staging table, one row per record.

    The staging table has a ``_row`` column (record number as a person reading the file
    counts it) and one VARCHAR column per file column; ``rejects`` lists records the
    engine's reader could not split into fields.
    """

    table: str
    rows: int
    rejects: list[tuple[int, str, str]]  # (row, reason, original text)


class Engine(ABC):
    """A connection to one case's store.

    ``watch``, when set, is told of every statement as it starts and finishes (its purpose,
    rows where known, seconds): progress displays use it. Engines that cannot tell leave it
    unused.
    """

    dialect: Dialect
    watch: StatementWatch | None = None

    @abstractmethod
    def execute(self, sql: str, params: Sequence[Any] | None = None) -> None:
        """Run a statement."""

    @abstractmethod
    def query(self, sql: str, params: Sequence[Any] | None = None) -> list[tuple[Any, ...]]:
        """Run a query and return all rows."""

    @abstractmethod
    def query_dicts(self, sql: str, params: Sequence[Any] | None = None) -> list[dict[str, Any]]:
        """Run a query and return rows as dicts keyed by column name."""

    @abstractmethod
    def query_arrow(self, sql: str) -> pa.Table:
        """Run a query and return an Arrow table."""

    @abstractmethod
    def iter_batches(self, sql: str, batch_rows: int = 100_000) -> Iterator[pa.RecordBatch]:
        """Stream a query's result in Arrow batches."""

    @abstractmethod
    def register(self, name: str, table: pa.Table) -> None:
        """Make an Arrow table visible to SQL under ``name`` until unregistered."""

    @abstractmethod
    def unregister(self, name: str) -> None:
        """Drop a registered Arrow table."""

    @abstractmethod
    def transaction(self) -> AbstractContextManager[None]:
        """All statements inside commit together or not at all."""

    @abstractmethod
    def stage_csv(self, path: Path, columns: Sequence[str], table: str) -> StagedFile:
        """Load a headered CSV file as text columns into a temporary staging table."""

    @abstractmethod
    def stage_arrow(self, records: pa.Table | pa.RecordBatchReader, table: str) -> StagedFile:
        """Stage records parsed in Python (text columns plus ``_row``) like a file.

        A RecordBatchReader is consumed once, batch by batch.
        """

    @abstractmethod
    def stage_lines(self, path: Path, table: str) -> StagedFile:
        """Load a text file one line per row (column ``line``) into a staging table."""

    @abstractmethod
    def splink_api(self) -> Any:
        """A Splink database API on this engine's backend, for record linkage."""

    @abstractmethod
    def drop_stage(self, table: str) -> None:
        """Remove a staging table and its helpers."""

    @abstractmethod
    def close(self) -> None:
        """Release the connection."""

    def scalar(self, sql: str, params: Sequence[Any] | None = None) -> Any:
        """The first value of a query's first row, or None when it returns no rows."""
        rows = self.query(sql, params)
        return rows[0][0] if rows else None
