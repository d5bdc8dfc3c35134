"""Ingest of the canonical CSV / JSON Lines formats (DESIGN.md) into a case store."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from functools import partial
from pathlib import Path

import pyarrow as pa

from threadline import __version__, values
from threadline.errors import CaseError, InvalidValue, SourceError, UsageError
from threadline.ingest.files import FileFacts, detect_format, scan
from threadline.ingest.text_records import CsvRecords, JsonLines, csv_header
from threadline.schema import Kind, ValueType
from threadline.schema import kind as kind_named
from threadline.store import audit, custody
from threadline.store.engine import Engine
from threadline.store.loader import (
    LoadPlan,
    Normaliser,
    ReadAgainExactly,
    SourceMeta,
    TextRecords,
    load_source,
)

NORMALISERS: Mapping[ValueType, Normaliser] = {
    ValueType.PHONE: values.normalise_phone,
    ValueType.EMAIL: values.normalise_email,
    ValueType.IP: values.normalise_ip,
    ValueType.COUNTRY: values.normalise_country,
    ValueType.CURRENCY: values.normalise_currency,
}


@dataclass(frozen=True)
class SourceOptions:
    """Who delivered a file and how to read its times and phone numbers."""

    agency: str
    seizure: str
    timezone: str | None = None
    country: str | None = None
    format: str | None = None


@dataclass
class IngestReport:
    """The outcome for one file."""

    path: str
    kind: str
    source_id: str
    sha256: str
    already_ingested: bool = False
    rows_read: int = 0
    stored: int = 0
    duplicate: int = 0
    quarantined: int = 0
    reasons: dict[str, int] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)  # what a parser detected or assumed
    conflicting: int = 0  # rows kept in ``conflicts``: same record id, other content


def check_options(options: SourceOptions) -> SourceOptions:
    """Validate the timezone and country once, before any file is touched."""
    if options.timezone:
        try:
            values.check_timezone(options.timezone)
        except InvalidValue as exc:
            raise UsageError(str(exc)) from None
    country = options.country
    if country:
        try:
            country = values.normalise_country(country)
        except InvalidValue as exc:
            raise UsageError(str(exc)) from None
    if not options.agency.strip() or not options.seizure.strip():
        raise UsageError("--agency and --seizure are required for the chain of custody")
    return SourceOptions(options.agency, options.seizure, options.timezone, country, options.format)


@dataclass(frozen=True)
class ParsedSource:
    """Canonical records a format parser read from one seized file (for one kind).

    ``records`` has text columns named after the kind's fields plus ``_row`` (where each
    record sits in the original file); ``rejects`` are (row, detail, original text) of what
    the parser could not read. The file itself is the source of record. ``records`` may be
    a RecordBatchReader that streams a large export; its parser may fill ``rejects`` while
    it streams, so they are read only after the records are consumed.
    """

    kind: str
    format: str
    records: pa.Table | pa.RecordBatchReader
    rejects: Sequence[tuple[int, str, str]] = ()


def ingest_file(
    engine: Engine,
    kind_name: str,
    path: Path,
    options: SourceOptions,
    *,
    fail_after_stage: bool = False,
) -> IngestReport:
    """Ingest one canonical CSV / JSON Lines file atomically; a file seen before adds nothing."""
    kind = kind_named(kind_name)
    path = Path(path)
    if not path.is_file():
        raise SourceError(path, "no such file")
    fmt = detect_format(path, options.format)
    facts = scan(path)
    found = _already(engine, kind, path, facts)
    if found:
        return found
    header, ignored = _columns(kind, path, fmt, facts)
    return _load(
        engine,
        kind,
        path,
        facts,
        options,
        fmt,
        header=header,
        ignored=ignored,
        fail_after_stage=fail_after_stage,
    )


def ingest_parsed(
    engine: Engine,
    path: Path,
    options: SourceOptions,
    parsed: ParsedSource,
    facts: FileFacts | None = None,
) -> IngestReport:
    """Ingest records a format parser read from ``path`` (WhatsApp, Telegram, mapping...).

    ``facts`` (from :func:`scan`) saves hashing the file again for each kind it yields.
    """
    kind = kind_named(parsed.kind)
    facts = facts or scan(path)
    found = _already(engine, kind, path, facts)
    if found:
        return found
    unknown = set(parsed.records.schema.names) - {*kind.field_names, "_row"}
    if unknown:
        raise SourceError(path, f"parser produced unknown {kind.name} field(s): {sorted(unknown)}")
    return _load(
        engine,
        kind,
        path,
        facts,
        options,
        parsed.format,
        records=parsed.records,
        rejects=parsed.rejects,
    )


def source_id_of(sha256: str, kind: str) -> str:
    """Content-derived id of (file, kind): one file may feed several kinds."""
    return hashlib.sha256(f"{sha256}:{kind}".encode()).hexdigest()[:16]


def _already(engine: Engine, kind: Kind, path: Path, facts: FileFacts) -> IngestReport | None:
    source_id = source_id_of(facts.sha256, kind.name)
    if custody.find_source(engine, source_id) is None:
        return None
    return IngestReport(str(path), kind.name, source_id, facts.sha256, already_ingested=True)


def _load(
    engine: Engine,
    kind: Kind,
    path: Path,
    facts: FileFacts,
    options: SourceOptions,
    fmt: str,
    *,
    header: tuple[str, ...] = (),
    ignored: tuple[str, ...] = (),
    records: pa.Table | pa.RecordBatchReader | None = None,
    rejects: Sequence[tuple[int, str, str]] = (),
    fail_after_stage: bool = False,
) -> IngestReport:
    source_id = source_id_of(facts.sha256, kind.name)
    meta = SourceMeta(
        source_id=source_id,
        sha256=facts.sha256,
        path=str(path.resolve()),
        size=facts.size,
        kind=kind.name,
        format=fmt,
        agency=options.agency,
        seizure=options.seizure,
        timezone=options.timezone,
        country=options.country,
        os_user=audit.os_user(),
        tool_version=__version__,
        ingested_at=datetime.now(UTC).replace(tzinfo=None),
    )
    exact: Callable[[], TextRecords] | None = None
    if records is None and fmt == "csv":
        exact = partial(CsvRecords, path, len(header))
    elif records is None:
        exact = partial(JsonLines, path)
    plan = LoadPlan(
        kind=kind,
        path=path,
        format=fmt,
        header=header,
        exact=exact,
        exact_first=facts.mixed_line_endings or (fmt == "jsonl" and facts.crlf > 0),
        meta=meta,
        normalisers=NORMALISERS,
        lines=facts.lines,
        ignored_fields=ignored,
        records=records,
        rejects=rejects,
        fail_after_stage=fail_after_stage,
    )
    try:
        return _commit(engine, plan, kind, path, facts, options, fmt, ignored)
    except ReadAgainExactly:
        # The engine's reader gave up on the file and aborted the transaction (rolled back).
        return _commit(
            engine, replace(plan, exact_first=True), kind, path, facts, options, fmt, ignored
        )


def _commit(
    engine: Engine,
    plan: LoadPlan,
    kind: Kind,
    path: Path,
    facts: FileFacts,
    options: SourceOptions,
    fmt: str,
    ignored: tuple[str, ...],
) -> IngestReport:
    meta, source_id = plan.meta, plan.meta.source_id
    with audit.audited(engine, "ingest", user=meta.os_user) as entry:
        result = load_source(engine, plan)
        custody.record_source(engine, meta, result, ignored)
        entry.update(
            {
                "source_id": source_id,
                "sha256": facts.sha256,
                "path": meta.path,
                "kind": kind.name,
                "format": fmt,
                "agency": options.agency,
                "seizure": options.seizure,
                "timezone": options.timezone,
                "country": options.country,
                "ingested_at": meta.ingested_at.isoformat(timespec="microseconds"),
                "stored": result.stored,
                "duplicate": result.duplicate,
                "quarantined": result.quarantined,
                "conflicting": result.conflicting,
                "content_digest": custody.content_digest(engine, kind.name, source_id),
            }
        )
        _store_still_there(engine)
    _store_still_there(engine)  # removed while committing: the commit went nowhere
    report = IngestReport(
        str(path),
        kind.name,
        source_id,
        facts.sha256,
        False,
        result.rows_read,
        result.stored,
        result.duplicate,
        result.quarantined,
        result.reasons,
    )
    if result.conflicting:
        report.notes.append(
            f"{result.conflicting} row(s) carry the id of a stored record with other content: "
            "both versions kept (threadline conflicts)"
        )
    report.conflicting = result.conflicting
    return report


def _columns(
    kind: Kind, path: Path, fmt: str, facts: FileFacts
) -> tuple[tuple[str, ...], tuple[str, ...]]:
    if facts.size == 0:
        raise SourceError(path, "the file is empty")
    if fmt != "csv":
        return (), ()
    if facts.blank_lines:
        raise SourceError(
            path,
            f"{facts.blank_lines} blank line(s) between records make CSV row numbers "
            "ambiguous; ingest a copy without them (the original stays untouched)",
        )
    # A trailing comma in the header makes a column without a name: name it by position.
    header = tuple(h or f"column_{i + 1}" for i, h in enumerate(csv_header(path)))
    dupes = sorted({h for h in header if header.count(h) > 1})
    if dupes:
        raise SourceError(path, f"column(s) named twice in the header: {', '.join(dupes)}", row=1)
    present = set(header)
    missing = [n for n in kind.required if n not in present]
    if kind.one_of and not present.intersection(kind.one_of):
        missing.append(" or ".join(kind.one_of))
    if missing:
        raise SourceError(
            path,
            f"not a canonical {kind.name} file: missing column(s) {', '.join(missing)}; "
            f"expected {', '.join(kind.field_names)} (or use a mapping file)",
            row=1,
        )
    ignored = tuple(h for h in header if h not in kind.field_names)
    return header, ignored


def _store_still_there(engine: Engine) -> None:
    """Refuse to report rows stored in a case file that was deleted or moved meanwhile.

    An open database file keeps working after its directory is removed, so without this an
    ingest into a deleted case would commit into nothing and report success.
    """
    store = getattr(engine, "path", None)
    if isinstance(store, Path) and not store.exists():
        raise CaseError(
            f"{store}: the case database was deleted or moved during the ingest; nothing "
            "was kept. Restore the case (or `threadline init` a new one) and ingest again"
        )
