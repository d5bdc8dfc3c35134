"""Exact readers for seized CSV and JSON Lines files the engine's fast reader gets wrong.

DuckDB's CSV reader is fast but breaks on what seized files hold: CR-only or mixed line
endings, a record longer than its line limit, a stray quote that runs on and folds later
records into one. These readers are slower (Python's C ``csv`` module, one pass) and exact:

- any of CR LF, CR or LF ends a line, also mixed in one file;
- a record is numbered as a spreadsheet counts it (header row 1), however many lines it spans;
- a record the strict reader refuses, or with the wrong number of fields, is rejected as its
  first line alone and reading resumes on the next line, so a stray quote never swallows the
  valid records after it;
- a record longer than ``MAX_RECORD`` characters is rejected whole (its first 64 KB kept) and
  reading resumes after it;
- trailing blank lines are not records; a blank line between records refuses the file.

Rejects are ``(row, detail, original text)``; the detail starts with a code the loader maps to
a quarantine reason (``ENCODING``, ``record_too_long:``, else ``malformed_record``).
"""

from __future__ import annotations

import csv
import io
import re
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

import pyarrow as pa

from threadline.errors import SourceError

MAX_RECORD = 8 * 1024 * 1024  # characters; longer records are rejected, not held in memory
KEEP = 64 * 1024  # characters of a too-long record kept as its original text
BATCH = 50_000
_BAD_BYTE = re.compile("[\udc80-\udcff]")  # bytes that were not UTF-8 (surrogateescape)

csv.field_size_limit(MAX_RECORD + 1)  # the record limit below is the one that applies


class _TooLong(Exception):
    """The current record passed MAX_RECORD characters."""


@dataclass
class _Lines:
    """Physical lines of a text file ending in CR LF, CR or LF, with push-back.

    ``taken`` holds the lines handed out for the record being read.
    """

    fh: io.TextIOBase
    back: deque[str] = field(default_factory=deque)
    taken: list[str] = field(default_factory=list)
    size: int = 0

    def __iter__(self) -> Iterator[str]:
        return self

    def __next__(self) -> str:
        line = self.back.popleft() if self.back else self.fh.readline(MAX_RECORD + 1)
        if not line:
            raise StopIteration
        self.taken.append(line)
        self.size += len(line)
        if self.size > MAX_RECORD:
            raise _TooLong
        return line

    def start(self) -> None:
        """Begin a new record."""
        self.taken = []
        self.size = 0

    def skip_rest(self) -> int:
        """Read past the rest of a too-long record (until its quotes balance); return lines."""
        quotes = sum(t.count('"') for t in self.taken)
        ended = self.taken[-1].endswith(("\n", "\r"))
        count = 0
        while quotes % 2 or not ended:
            line = self.back.popleft() if self.back else self.fh.readline(MAX_RECORD + 1)
            if not line:
                break
            count += 1
            quotes += line.count('"')
            ended = line.endswith(("\n", "\r"))
        return count


def _text(lines: list[str], limit: int | None = None) -> str:
    joined = "".join(lines)
    if limit is not None:
        joined = joined[:limit]
    if _BAD_BYTE.search(joined):
        return joined.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
    return joined


def _open(path: Path) -> io.TextIOWrapper:
    # newline="" keeps the line endings for the csv module and splits on all three of them.
    return path.open(encoding="utf-8-sig", errors="surrogateescape", newline="")


@dataclass
class CsvRecords:
    """A CSV file's records as Arrow batches (``_row`` and ``_c1``..``_cN``) plus rejects."""

    path: Path
    width: int  # number of header fields
    rejects: list[tuple[int, str, str]] = field(default_factory=list)
    error: SourceError | None = None  # what refused the file while the engine read it

    @property
    def schema(self) -> pa.Schema:
        """``_row`` and one text column per header field, named by position."""
        return pa.schema(
            [("_row", pa.int64()), *((f"_c{i + 1}", pa.string()) for i in range(self.width))]
        )

    def reader(self) -> pa.RecordBatchReader:
        """Stream the records; ``rejects`` is complete once the reader is exhausted."""
        return pa.RecordBatchReader.from_batches(self.schema, _keeping_error(self, self._batches()))

    def _batches(self) -> Iterator[pa.RecordBatch]:
        rows: list[int] = []
        cols: list[list[str]] = [[] for _ in range(self.width)]
        for row, fields in self._records(header=False):
            rows.append(row)
            for col, value in zip(cols, fields, strict=True):
                col.append(value)
            if len(rows) >= BATCH:
                yield self._batch(rows, cols)
                rows, cols = [], [[] for _ in range(self.width)]
        if rows:
            yield self._batch(rows, cols)

    def _batch(self, rows: list[int], cols: list[list[str]]) -> pa.RecordBatch:
        arrays = [pa.array(rows, pa.int64()), *(pa.array(c, pa.string()) for c in cols)]
        return pa.RecordBatch.from_arrays(arrays, schema=self.schema)

    def _records(self, *, header: bool) -> Iterator[tuple[int, list[str]]]:
        """(row, fields) of every record; the header is row 1 and is skipped unless asked."""
        row = 0
        blanks = 0
        with _open(self.path) as fh:
            lines = _Lines(fh)
            while True:
                lines.start()
                reader = csv.reader(lines, strict=True)
                try:
                    fields = next(reader)
                except StopIteration:
                    return
                except _TooLong:
                    row += 1
                    if row == 1:
                        raise SourceError(
                            self.path, f"the header is longer than {MAX_RECORD} characters", row=1
                        ) from None
                    skipped = lines.skip_rest()
                    size = sum(len(t) for t in lines.taken)
                    self.rejects.append(
                        (
                            row,
                            f"record_too_long: the record is longer than {MAX_RECORD} "
                            f"characters (at least {size}, {len(lines.taken) + skipped} "
                            f"line(s)); its first {KEEP} are kept",
                            _text(lines.taken, KEEP),
                        )
                    )
                    continue
                except csv.Error as exc:
                    fields, error = [], str(exc)
                else:
                    error = ""
                if not fields and not error:
                    blanks += 1
                    continue
                if blanks:
                    raise SourceError(
                        self.path,
                        f"{blanks} blank line(s) before row {row + 1} make CSV row numbers "
                        "ambiguous; ingest a copy without them (the original stays untouched)",
                    )
                row += 1
                if row == 1:
                    if header:
                        if error:
                            raise SourceError(
                                self.path, f"the header cannot be read ({error})", row=1
                            )
                        yield row, fields
                        return
                    continue
                taken = lines.taken
                if not error and len(fields) != self.width:
                    error = f"{len(fields)} field(s) where the header has {self.width}"
                if error and len(taken) > 1:
                    # A quote that never closes (or closes too late) ran over later lines:
                    # only its first line is the bad record; the lines after it are read again.
                    lines.back.extendleft(reversed(taken[1:]))
                    taken = taken[:1]
                if error:
                    self.rejects.append(
                        (
                            row,
                            f"the record does not split into the header's fields ({error})",
                            _text(taken),
                        )
                    )
                elif any(_BAD_BYTE.search(t) for t in taken):
                    self.rejects.append((row, "INVALID ENCODING", _text(taken)))
                else:
                    yield row, fields

    def header(self) -> tuple[str, ...]:
        """The header's field names, as written (row 1)."""
        for _, fields in self._records(header=True):
            return tuple(fields)
        raise SourceError(self.path, "the file is empty (no header row)", row=1)


class _Reading(Protocol):
    error: SourceError | None


def _keeping_error(owner: _Reading, batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
    """Pass batches on; keep a refusal raised while the engine pulls them (it wraps it)."""
    try:
        yield from batches
    except SourceError as exc:
        owner.error = exc
        raise


def csv_header(path: Path) -> tuple[str, ...]:
    """The column names of a CSV file, or a SourceError saying why there are none."""
    names = CsvRecords(path, 0).header()
    text = ",".join(names)
    if _BAD_BYTE.search(text):
        raise SourceError(path, "the header is not UTF-8 text", row=1)
    if "\x00" in text:
        raise SourceError(path, "the header holds binary data, not CSV text", row=1)
    if not text.strip(", \t"):
        raise SourceError(path, "the file is empty (no header row)", row=1)
    return tuple(n.strip() for n in names)


@dataclass
class JsonLines:
    """A JSON Lines file's lines as Arrow batches (``_row``, ``line``) plus rejects.

    Lines end at LF (a CR before it is dropped); each is numbered from 1, blank ones too.
    """

    path: Path
    rejects: list[tuple[int, str, str]] = field(default_factory=list)
    error: SourceError | None = None
    schema = pa.schema([("_row", pa.int64()), ("line", pa.string())])

    def reader(self) -> pa.RecordBatchReader:
        """Stream the lines; ``rejects`` is complete once the reader is exhausted."""
        return pa.RecordBatchReader.from_batches(self.schema, _keeping_error(self, self._batches()))

    def _batches(self) -> Iterator[pa.RecordBatch]:
        rows: list[int] = []
        texts: list[str] = []
        for row, text in self._lines():
            rows.append(row)
            texts.append(text)
            if len(rows) >= BATCH:
                yield pa.RecordBatch.from_arrays(
                    [pa.array(rows, pa.int64()), pa.array(texts, pa.string())], schema=self.schema
                )
                rows, texts = [], []
        if rows:
            yield pa.RecordBatch.from_arrays(
                [pa.array(rows, pa.int64()), pa.array(texts, pa.string())], schema=self.schema
            )

    def _lines(self) -> Iterator[tuple[int, str]]:
        row = 0
        with self.path.open("rb") as fh:
            while True:
                raw = fh.readline(MAX_RECORD + 1)
                if not raw:
                    return
                row += 1
                if len(raw) > MAX_RECORD and not raw.endswith(b"\n"):
                    size, tail = len(raw), raw
                    while not tail.endswith(b"\n"):
                        tail = fh.readline(MAX_RECORD + 1)
                        if not tail:
                            break
                        size += len(tail)
                    self.rejects.append(
                        (
                            row,
                            f"record_too_long: the line is longer than {MAX_RECORD} bytes "
                            f"({size}); its first {KEEP} are kept",
                            raw[:KEEP].decode("utf-8", "replace"),
                        )
                    )
                    continue
                raw = raw.rstrip(b"\n").removesuffix(b"\r")
                if row == 1:
                    raw = raw.removeprefix(b"\xef\xbb\xbf")
                try:
                    yield row, raw.decode("utf-8")
                except UnicodeDecodeError:
                    self.rejects.append(
                        (
                            row,
                            "INVALID ENCODING",
                            raw.decode("utf-8", "replace"),
                        )
                    )
