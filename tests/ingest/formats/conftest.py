"""Helpers for the export-format tests: read what a parser yields as plain rows."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pyarrow as pa

from tests.conftest import DATA
from threadline.ingest.formats import ParsedFile, ParseOptions, parse_file

FORMATS_DATA = DATA / "formats"


def read(parsed: ParsedFile) -> dict[str, list[dict[str, Any]]]:
    """Every kind's records as dicts (consuming the streams), keyed by kind."""
    out = {}
    for source in parsed.sources:
        records = source.records
        table = records.read_all() if isinstance(records, pa.RecordBatchReader) else records
        out[source.kind] = table.to_pylist()
    return out


def rejects(parsed: ParsedFile) -> dict[str, list[tuple[int, str, str]]]:
    """Every kind's rejects; read after :func:`read` consumed the streams."""
    return {s.kind: [tuple(r) for r in s.rejects] for s in parsed.sources}  # type: ignore[misc]


def parse_all(
    path: Path, fmt: str, **options: Any
) -> tuple[dict[str, list[dict[str, Any]]], dict[str, list[tuple[int, str, str]]]]:
    parsed = parse_file(path, fmt, ParseOptions(**options))
    return read(parsed), rejects(parsed)
