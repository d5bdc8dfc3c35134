"""One streaming pass over an export that feeds several canonical kinds as Arrow batches.

A parser is a generator of rows: ``(kind, values)`` for a record of ``kind`` (a tuple in the
order of that kind's output columns, ``_row`` last) or ``(kind, Reject(...))`` for input it
could not read. :class:`Split` turns it into one ``RecordBatchReader`` per kind without ever
holding the main kind (messages, hashes) in memory: the main reader runs the pass and hands
out batches as they fill, while the small side kinds (system events, accounts, locations)
are collected during that pass. A side reader asked for before the main pass ran runs its
own pass and throws the main rows away, so every order of consumption gives the same rows.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, NamedTuple

import pyarrow as pa

from threadline.errors import ThreadlineError
from threadline.ingest.canonical import ParsedSource

BATCH_ROWS = 50_000


class Reject(NamedTuple):
    """A piece of the input the parser could not turn into a record (goes to quarantine)."""

    row: int
    detail: str
    original: str


Row = tuple[str, tuple[Any, ...] | Reject]
RowSource = Callable[[], Iterator[Row]]


def schema_of(columns: Sequence[str]) -> pa.Schema:
    """Text columns named after canonical fields, plus the int64 ``_row``."""
    return pa.schema([*((c, pa.string()) for c in columns), ("_row", pa.int64())])


def to_batch(schema: pa.Schema, rows: list[tuple[Any, ...]]) -> pa.RecordBatch:
    """Transpose row tuples (``_row`` last) into one Arrow record batch."""
    width = len(schema.names)
    cols = list(zip(*rows, strict=True)) if rows else [()] * width
    arrays = [pa.array(c, type=schema.field(i).type) for i, c in enumerate(cols)]
    return pa.record_batch(arrays, schema=schema)


@dataclass
class _Side:
    rows: list[tuple[Any, ...]] = field(default_factory=list)
    done: bool = False


@dataclass
class Split:
    """Demultiplex one pass of ``source`` into a reader per kind (see the module doc)."""

    source: RowSource
    schemas: dict[str, pa.Schema]  # kind -> output schema; the first one is the main kind
    fmt: str
    batch_rows: int = BATCH_ROWS
    error: ThreadlineError | None = None
    rejects: dict[str, list[tuple[int, str, str]]] = field(default_factory=dict)
    _side: dict[str, _Side] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.main = next(iter(self.schemas))
        self.rejects = {k: [] for k in self.schemas}
        self._side = {k: _Side() for k in self.schemas if k != self.main}

    def sources(self) -> list[ParsedSource]:
        """One lazily read :class:`ParsedSource` per kind, the main kind first."""
        return [
            ParsedSource(
                kind,
                self.fmt,
                pa.RecordBatchReader.from_batches(schema, self._batches(kind)),
                self.rejects[kind],
            )
            for kind, schema in self.schemas.items()
        ]

    def _batches(self, kind: str) -> Iterator[pa.RecordBatch]:
        if kind == self.main:
            yield from self._pass(keep_main=True)
            return
        side = self._side[kind]
        if not side.done:
            for _ in self._pass(keep_main=False):
                pass
        schema = self.schemas[kind]
        for start in range(0, len(side.rows), self.batch_rows):
            yield to_batch(schema, side.rows[start : start + self.batch_rows])
        side.rows = []

    def _pass(self, *, keep_main: bool) -> Iterator[pa.RecordBatch]:
        main = self.main
        schema = self.schemas[main]
        collect = {k: s for k, s in self._side.items() if not s.done}
        for s in collect.values():
            s.rows = []
        side_rejects: dict[str, list[tuple[int, str, str]]] = {k: [] for k in collect}
        buffer: list[tuple[Any, ...]] = []
        try:
            for kind, values in self.source():
                if isinstance(values, Reject):
                    if kind == main:
                        if keep_main:
                            self.rejects[main].append((values.row, values.detail, values.original))
                    elif kind in side_rejects:
                        side_rejects[kind].append((values.row, values.detail, values.original))
                elif kind == main:
                    if keep_main:
                        buffer.append(values)
                        if len(buffer) >= self.batch_rows:
                            yield to_batch(schema, buffer)
                            buffer = []
                elif kind in collect:
                    collect[kind].rows.append(values)
        except ThreadlineError as exc:
            # The engine reading this stream wraps whatever we raise; keep the typed error
            # so the caller can raise it in place of the engine's.
            self.error = exc
            raise
        if buffer:
            yield to_batch(schema, buffer)
        for kind, side in collect.items():
            side.done = True
            self.rejects[kind].extend(side_rejects[kind])
