"""Apply a mapping file to a CSV, JSON Lines or XLSX export: canonical records in Arrow batches.

Each chunk of source records is mapped with Arrow compute functions (no per-row Python):
filters, renames, concatenation, constants, replacements, value maps and date formats. Rows a
filter leaves out are recorded in quarantine with reason ``filtered`` so that every source
record is accounted for.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc

from threadline.errors import ThreadlineError, UsageError
from threadline.ingest.canonical import ParsedSource
from threadline.ingest.formats import tabular
from threadline.ingest.formats.common import ParsedFile, ParseOptions
from threadline.ingest.formats.mapping_spec import FieldRule, FilterRule, Mapping, load_mapping
from threadline.ingest.formats.stream import Reject, schema_of


@dataclass
class MappedStream:
    """The batches of one mapped file; remembers the typed error that stopped it."""

    path: Path
    fmt: str
    mapping: Mapping
    rejects: list[Reject] = field(default_factory=list)
    error: ThreadlineError | None = None

    def batches(self) -> Iterator[pa.RecordBatch]:
        """The mapped records, one Arrow batch per chunk of the source."""
        schema = schema_of([r.field for r in self.mapping.fields])
        try:
            for chunk in tabular.chunks(self.path, self.fmt, self.mapping, self.rejects):
                batch = apply(self.mapping, chunk, self.rejects, schema)
                if batch.num_rows:
                    yield batch
        except ThreadlineError as exc:
            self.error = exc
            raise


def parse(path: Path, options: ParseOptions, explicit: str | None = None) -> ParsedFile:
    """Read ``path`` through the mapping file named in ``options``."""
    if options.mapping is None:
        raise UsageError(f"{path}: reading it as {explicit or 'a table'} needs --mapping FILE.yaml")
    mapping = load_mapping(Path(options.mapping))
    fmt = tabular.source_format(path, mapping, explicit)
    tabular.read_header(path, fmt, mapping)  # a missing column is refused before streaming
    stream = MappedStream(path, fmt, mapping)
    schema = schema_of([r.field for r in mapping.fields])
    source = ParsedSource(
        mapping.kind,
        mapping.format_name,
        pa.RecordBatchReader.from_batches(schema, stream.batches()),
        stream.rejects,  # filled while the batches stream
    )
    label = f" ({mapping.name})" if mapping.name else ""
    notes = [f"{fmt} mapped to {mapping.kind} by {mapping.path.name}{label}"]
    return ParsedFile(path, mapping.format_name, [source], notes, stream, mapping.timezone)


def apply(
    mapping: Mapping, chunk: tabular.Chunk, rejects: list[Reject], schema: pa.Schema
) -> pa.RecordBatch:
    """Map one chunk: canonical text columns plus ``_row``; filtered rows become rejects."""
    n = len(chunk.rows)
    arrays = {c: pa.array(v, pa.string()) for c, v in chunk.cells.items()}
    rows = pa.array(chunk.rows, pa.int64())
    if mapping.filters:
        keep, why = _filters(mapping.filters, arrays, n)
        dropped = pc.invert(keep).to_pylist()
        for i, out in enumerate(dropped):
            if out:
                original = json.dumps(chunk.records[i], ensure_ascii=False, default=str)
                detail = f"filtered: left out by {mapping.path.name} {why[i]}"
                rejects.append(Reject(chunk.rows[i], detail, original))
        arrays = {c: pc.filter(a, keep) for c, a in arrays.items()}
        rows = pc.filter(rows, keep)
        n = len(rows)
    columns = [_field(rule, arrays, n) for rule in mapping.fields]
    return pa.record_batch([*columns, rows], schema=schema)


def _empty_to_null(a: pa.Array) -> pa.Array:
    return pc.if_else(pc.equal(a, ""), pa.scalar(None, pa.string()), a)


def _field(rule: FieldRule, arrays: dict[str, pa.Array], n: int) -> pa.Array:
    if rule.constant is not None:
        return pa.array([rule.constant] * n, pa.string())
    parts = []
    for c in rule.columns:
        a = arrays[c]
        if rule.strip:
            a = pc.utf8_trim_whitespace(a)
        parts.append(_empty_to_null(a))
    if len(parts) == 1:
        value = parts[0]
    else:
        value = pc.binary_join_element_wise(*parts, rule.sep, null_handling="skip")
    value = _empty_to_null(value)
    if rule.replace:
        value = _replace(value, rule.replace)
    if rule.value_map:
        keys = pa.array([k for k, _ in rule.value_map], pa.string())
        mapped = pc.take(
            pa.array([v for _, v in rule.value_map], pa.string()), pc.index_in(value, keys)
        )
        value = pc.coalesce(mapped, value) if rule.keep_unmapped else mapped
    if rule.formats:
        value = _dates(value, rule.formats)
    return _empty_to_null(value)


def _replace(value: pa.Array, pairs: tuple[tuple[str, str], ...]) -> pa.Array:
    """Replace every ``old`` by its ``new`` at once.

    The order of a YAML mapping is no order: each old text first becomes a marker no export
    contains, then each marker its new text.
    """
    marked = sorted(enumerate(pairs), key=lambda p: -len(p[1][0]))
    for i, (old, _) in marked:
        value = pc.replace_substring(value, pattern=old, replacement=_marker(i))
    for i, (_, new) in enumerate(pairs):
        value = pc.replace_substring(value, pattern=_marker(i), replacement=new)
    return value


def _marker(i: int) -> str:
    return f"\x00{chr(0xE000 + i)}\x00"  # NUL and a private-use character: in no export


def _dates(value: pa.Array, formats: tuple[str, ...]) -> pa.Array:
    """ISO 8601 text of the first format that parses; the original text when none does.

    Arrow parses in bulk but rolls impossible dates over (31 February becomes 3 March), so
    a value whose parse does not print back as it was written is parsed again strictly,
    one by one, by Python; those are few unless the file does not pad its numbers.
    """
    tried = []
    for fmt in formats:
        parsed = pc.strptime(value, format=fmt, unit="s", error_is_null=True)
        same = pc.fill_null(pc.equal(pc.strftime(parsed, format=fmt), value), False)
        iso = "%Y-%m-%dT%H:%M:%S+00:00" if "%z" in fmt else "%Y-%m-%dT%H:%M:%S"
        bulk = pc.if_else(same, pc.strftime(parsed, format=iso), pa.scalar(None, pa.string()))
        if "%z" in fmt or not pc.all(pc.or_kleene(same, pc.is_null(value))).as_py():
            bulk = _strict(value, same, fmt, bulk)
        tried.append(bulk)
    return pc.coalesce(*tried, value)


def _strict(value: pa.Array, same: pa.Array, fmt: str, bulk: pa.Array) -> pa.Array:
    """Parse with Python the values Arrow's parse did not print back unchanged."""
    out = bulk.to_pylist()
    texts = value.to_pylist()
    for i in pc.indices_nonzero(pc.invert(same)).to_pylist():
        text = texts[i]
        if text is None:
            continue
        try:
            moment = datetime.strptime(text, fmt)
        except ValueError:
            continue
        if moment.tzinfo is not None:
            moment = moment.astimezone(UTC)
            out[i] = moment.strftime("%Y-%m-%dT%H:%M:%S+00:00")
        else:
            out[i] = moment.strftime("%Y-%m-%dT%H:%M:%S")
    return pa.array(out, pa.string())


def _filters(
    filters: tuple[FilterRule, ...], arrays: dict[str, pa.Array], n: int
) -> tuple[pa.Array, list[str]]:
    """Rows passing every filter, and for each row the first filter it failed."""
    keep = pa.array([True] * n)
    why = [""] * n
    for f in filters:
        a = _empty_to_null(pc.utf8_trim_whitespace(arrays[f.column]))
        present = pc.is_valid(a)
        if f.op == "equals":
            ok = pc.fill_null(pc.equal(a, f.values[0]), False)
        elif f.op == "not_equals":
            ok = pc.fill_null(pc.not_equal(a, f.values[0]), True)
        elif f.op == "in":
            ok = pc.is_in(a, value_set=pa.array(f.values, pa.string()))
        elif f.op == "not_in":
            ok = pc.invert(pc.is_in(a, value_set=pa.array(f.values, pa.string())))
        elif f.op == "matches":
            ok = pc.fill_null(pc.match_substring_regex(a, pattern=f.values[0]), False)
        elif f.op == "empty":
            ok = pc.invert(present)
        else:
            ok = present
        failed = pc.and_(keep, pc.invert(ok))
        for i in pc.indices_nonzero(failed).to_pylist():
            why[i] = f.describe()
        keep = pc.and_(keep, ok)
    return keep, why
