"""Ingest one real-world export: parse it, then load each kind it yields like a canonical file.

Each (file, kind) is its own transaction and source record, idempotent by the file's digest,
so a WhatsApp export becomes up to four sources (messages, chat events, accounts, locations)
that share its sha256.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from threadline.errors import EngineError, SourceError, UsageError
from threadline.ingest.canonical import (
    IngestReport,
    SourceOptions,
    check_options,
    ingest_file,
    ingest_parsed,
)
from threadline.ingest.files import scan
from threadline.ingest.formats import KINDS_OF, parse_file
from threadline.ingest.formats.common import ParseOptions
from threadline.ingest.formats.sniff import sniff
from threadline.store.engine import Engine


def ingest_export(
    engine: Engine,
    fmt: str,
    path: Path,
    options: SourceOptions,
    parse_options: ParseOptions,
    kind: str | None = None,
) -> list[IngestReport]:
    """Ingest ``path`` read as ``fmt``; one report per kind it yields."""
    path = Path(path)
    if not path.is_file():
        raise SourceError(path, "no such file")
    notes: list[str] = []
    if fmt == "auto":
        fmt, why = sniff(path)
        notes.append(f"format auto: {fmt} ({why})")
    if kind and fmt in KINDS_OF and kind not in KINDS_OF[fmt]:
        raise UsageError(
            f"{path}: a {fmt} file yields {', '.join(KINDS_OF[fmt])}, not {kind} "
            "(KIND can be left out for this format)"
        )
    if fmt in ("csv", "jsonl") and parse_options.mapping is None:
        if not kind:
            raise UsageError(f"{path}: a canonical {fmt} file needs its KIND (or --mapping)")
        report = ingest_file(engine, kind, path, replace(options, format=fmt))
        report.notes[:0] = notes
        return [report]
    parsed = parse_file(path, fmt, parse_options)
    produced = [s.kind for s in parsed.sources]
    if kind and kind not in produced:
        raise UsageError(
            f"{path}: a {fmt} file yields {', '.join(produced)}, not {kind} "
            "(KIND can be left out for this format)"
        )
    if parsed.timezone:
        if options.timezone and options.timezone != parsed.timezone:
            raise UsageError(
                f"{path}: --timezone {options.timezone} contradicts the mapping's "
                f"timezone {parsed.timezone}"
            )
        options = check_options(replace(options, timezone=parsed.timezone))
    reports = []
    facts = scan(path)
    for source in parsed.sources:
        try:
            report = ingest_parsed(engine, path, options, source, facts)
        except EngineError:
            stopped = parsed.stream_error()
            if stopped is not None:
                raise stopped from None
            raise
        report.notes = [*notes, *parsed.notes]
        reports.append(report)
    return reports
