"""Read CSV, JSON Lines and XLSX sources in chunks of text cells, for mapping files.

Row numbers are those a person sees: for CSV the record number counting the header (and any
skipped lines) as a spreadsheet does, for JSON Lines the line number, for XLSX the sheet's
row number. Records that cannot be read become rejects, never silent gaps.
"""

from __future__ import annotations

import csv
import io
import json
import re
import warnings
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, time
from decimal import Decimal
from pathlib import Path
from typing import Any

from threadline.errors import MappingError, SourceError
from threadline.ingest.formats.mapping_spec import Mapping
from threadline.ingest.formats.stream import Reject

CHUNK_ROWS = 50_000
SUFFIXES = {
    ".csv": "csv",
    ".tsv": "csv",
    ".txt": "csv",
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
    ".json": "jsonl",
    ".xlsx": "xlsx",
    ".xlsm": "xlsx",
}
_SURROGATE = re.compile("[\udc80-\udcff]")


@dataclass
class Chunk:
    """Up to CHUNK_ROWS records: their rows, the mapped columns' cells, the whole records."""

    rows: list[int]
    cells: dict[str, list[str | None]]
    records: list[dict[str, Any]]


def source_format(path: Path, mapping: Mapping, explicit: str | None) -> str:
    """The file's format (csv / jsonl / xlsx) from the caller, the mapping, or the file name."""
    fmt = explicit or mapping.source_format or SUFFIXES.get(path.suffix.lower())
    if fmt not in ("csv", "jsonl", "xlsx"):
        raise SourceError(path, "cannot tell csv, jsonl or xlsx; set source.format in the mapping")
    return fmt


def cell(value: Any) -> str | None:
    """The text of a cell or JSON value."""
    if value is None:
        return None
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False, sort_keys=True, default=_number)
    return str(value)


def _number(value: object) -> object:
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    return str(value)


class _DuplicateKey(ValueError):
    """A JSON object names a key twice."""


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    seen: dict[str, Any] = {}
    for key, value in pairs:
        if key in seen:
            raise _DuplicateKey(repr(key))
        seen[key] = value
    return seen


def chunks(path: Path, fmt: str, mapping: Mapping, rejects: list[Reject]) -> Iterator[Chunk]:
    """The source's records in chunks; unreadable records are appended to ``rejects``."""
    reader = {"csv": _csv, "jsonl": _jsonl, "xlsx": _xlsx}[fmt]
    rows: list[int] = []
    records: list[dict[str, Any]] = []
    for row, record in reader(path, mapping, rejects):
        rows.append(row)
        records.append(record)
        if len(rows) >= CHUNK_ROWS:
            yield _chunk(mapping, rows, records)
            rows, records = [], []
    if rows:
        yield _chunk(mapping, rows, records)


def _chunk(mapping: Mapping, rows: list[int], records: list[dict[str, Any]]) -> Chunk:
    cells = {c: [cell(_lookup(r, c)) for r in records] for c in mapping.columns}
    return Chunk(rows, cells, records)


def _lookup(record: dict[str, Any], column: str) -> Any:
    if column in record:
        return record[column]
    value: Any = record
    for part in column.split("."):  # JSON Lines: "sender.name" reaches into objects
        if not isinstance(value, dict) or part not in value:
            return None
        value = value[part]
    return value


def check_header(path: Path, mapping: Mapping, header: list[str], fmt: str) -> None:
    """Every column the mapping reads must be in the header (CSV, XLSX)."""
    missing = [c for c in mapping.columns if c not in header]
    if missing:
        raise MappingError(
            mapping.path,
            "fields",
            f"column(s) {missing} not in the header of {path.name} ({fmt}); "
            f"it has: {', '.join(repr(h) for h in header)}",
        )


def read_header(path: Path, fmt: str, mapping: Mapping) -> list[str]:
    """The source's header (CSV, XLSX), checked against the mapping; [] for JSON Lines."""
    if fmt == "jsonl":
        return []
    if fmt == "csv":
        try:
            with path.open(encoding=mapping.encoding, errors="surrogateescape", newline="") as fh:
                for n, fields in enumerate(csv.reader(fh, delimiter=mapping.delimiter), 1):
                    if n > mapping.skip_rows:
                        header = [h.strip() for h in fields]
                        check_header(path, mapping, header, fmt)
                        return header
        except (csv.Error, UnicodeError) as exc:
            raise SourceError(path, f"not readable as CSV: {exc}", row=1) from None
        raise SourceError(path, "the file is empty (no header row)", row=mapping.skip_rows + 1)
    for _ in _xlsx(path, mapping, []):
        break  # the reader checks the header before its first record
    return []


def _csv(path: Path, m: Mapping, rejects: list[Reject]) -> Iterator[tuple[int, dict[str, Any]]]:
    record = 0
    header: list[str] | None = None
    try:
        with path.open(encoding=m.encoding, errors="surrogateescape", newline="") as fh:
            for fields in csv.reader(fh, delimiter=m.delimiter):
                record += 1
                if record <= m.skip_rows:
                    continue
                if header is None:
                    header = [h.strip() for h in fields]
                    check_header(path, m, header, "csv")
                    continue
                if not fields:
                    continue
                problem = _problem(fields, len(header))
                if problem:
                    rejects.append(Reject(record, problem, _csv_line(fields, m.delimiter)))
                    continue
                yield record, dict(zip(header, fields, strict=True))
    except (csv.Error, UnicodeError) as exc:
        raise SourceError(path, f"not readable as CSV: {exc}", row=record + 1) from None
    if header is None:
        raise SourceError(path, "the file is empty (no header row)", row=m.skip_rows + 1)


def _problem(fields: list[str], width: int) -> str | None:
    if _SURROGATE.search("".join(fields)):
        return "INVALID ENCODING: the record is not text in the mapping's encoding"
    if "\x00" in "".join(fields):
        return "the record holds binary data (NUL bytes)"
    if len(fields) != width:
        return f"the record does not split into the header's {width} fields ({len(fields)})"
    return None


def _csv_line(fields: list[str], delimiter: str) -> str:
    buf = io.StringIO()
    csv.writer(buf, delimiter=delimiter, lineterminator="").writerow(fields)
    raw = buf.getvalue().encode("utf-8", errors="surrogateescape")
    return raw.decode("utf-8", errors="replace").replace("\x00", "\ufffd")


def _jsonl(path: Path, m: Mapping, rejects: list[Reject]) -> Iterator[tuple[int, dict[str, Any]]]:
    try:
        with path.open(encoding=m.encoding, errors="surrogateescape", newline="\n") as fh:
            for n, line in enumerate(fh, 1):
                text = line.strip()
                if not text:
                    continue
                if _SURROGATE.search(text) or "\x00" in text:
                    shown = text.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
                    detail = "INVALID ENCODING: the line is not text in the mapping's encoding"
                    rejects.append(Reject(n, detail, shown.replace("\x00", "\ufffd")))
                    continue
                try:
                    # Numbers keep the digits written (Decimal, never float); a key named
                    # twice is ambiguous (engines read the first value, Python the last).
                    obj = json.loads(text, parse_float=Decimal, object_pairs_hook=_unique_keys)
                except _DuplicateKey as exc:
                    rejects.append(Reject(n, f"duplicate_key: {exc} is named twice", text))
                    continue
                except ValueError:
                    rejects.append(Reject(n, "the line is not JSON", text))
                    continue
                if not isinstance(obj, dict):
                    rejects.append(Reject(n, "the line is not a JSON object", text))
                    continue
                yield n, obj
    except UnicodeError as exc:
        raise SourceError(path, f"not readable as JSON Lines: {exc}") from None


def _xlsx(path: Path, m: Mapping, rejects: list[Reject]) -> Iterator[tuple[int, dict[str, Any]]]:
    try:
        import openpyxl
    except ImportError:  # pragma: no cover - a dependency, but say so if it is missing
        raise SourceError(path, "reading XLSX needs openpyxl (pip install openpyxl)") from None
    try:
        with warnings.catch_warnings():
            # openpyxl warns about styles and print settings it ignores: not about data
            warnings.simplefilter("ignore", UserWarning)
            book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except (zipfile.BadZipFile, OSError, KeyError, ValueError) as exc:
        raise SourceError(path, f"not readable as an XLSX workbook: {exc}") from None
    try:
        if m.sheet is not None and m.sheet not in book.sheetnames:
            raise MappingError(
                m.path, "source.sheet", f"no sheet {m.sheet!r} in {path.name}: {book.sheetnames}"
            )
        sheet = book[m.sheet] if m.sheet is not None else book.worksheets[0]
        header: list[str] | None = None
        for n, values in enumerate(sheet.iter_rows(values_only=True), 1):
            if n <= m.skip_rows:
                continue
            texts = [cell(v) for v in values]
            if header is None:
                header = [(t or "").strip() for t in texts]
                check_header(path, m, header, "xlsx")
                continue
            if all(t is None or t == "" for t in texts):
                continue
            if len(texts) > len(header) and any(texts[len(header) :]):
                detail = f"the row has cells beyond the header's {len(header)} columns"
                rejects.append(Reject(n, detail, json.dumps(texts, ensure_ascii=False)))
                continue
            yield n, dict(zip(header, texts, strict=False))
        if header is None:
            raise SourceError(path, "the sheet is empty (no header row)", row=m.skip_rows + 1)
    finally:
        book.close()
