"""Mapping files: YAML that says how a CSV, JSON Lines or XLSX export becomes a canonical kind.

Loaded and checked before any data is read; every problem names the mapping file and the
key (``fields.sent_at.format``). See docs/formats.md for the full reference.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import yaml

from threadline import values
from threadline.errors import InvalidValue, MappingError
from threadline.schema import KINDS, ValueType

TOP_KEYS = frozenset(
    {"mapping", "name", "description", "kind", "source", "timezone", "fields", "filters"}
)
SOURCE_KEYS = frozenset({"format", "encoding", "delimiter", "skip_rows", "sheet"})
FIELD_KEYS = frozenset(
    {"column", "concat", "sep", "constant", "format", "map", "unmapped", "replace", "strip"}
)
FILTER_OPS = ("equals", "not_equals", "in", "not_in", "matches", "empty", "not_empty")
SOURCE_FORMATS = ("csv", "jsonl", "xlsx")
ENCODINGS = ("utf-8", "utf-8-sig", "utf-16", "latin-1", "cp1252")


@dataclass(frozen=True)
class FieldRule:
    """How one canonical field is filled."""

    field: str
    columns: tuple[str, ...] = ()  # one: a rename; several: concatenated with ``sep``
    sep: str = " "
    constant: str | None = None
    formats: tuple[str, ...] = ()  # strptime formats tried in order (timestamps)
    value_map: tuple[tuple[str, str], ...] = ()
    keep_unmapped: bool = True
    replace: tuple[tuple[str, str], ...] = ()
    strip: bool = True


@dataclass(frozen=True)
class FilterRule:
    """Keep only rows whose ``column`` passes ``op``; the others are recorded as filtered."""

    index: int
    column: str
    op: str
    values: tuple[str, ...] = ()

    def describe(self) -> str:
        """The filter as shown in the reason a row was filtered out."""
        shown = ", ".join(self.values)
        return f"filters[{self.index}] {self.column!r} {self.op}" + (f" {shown}" if shown else "")


@dataclass(frozen=True)
class Mapping:
    """A validated mapping file."""

    path: Path
    sha256: str
    kind: str
    fields: tuple[FieldRule, ...]
    filters: tuple[FilterRule, ...] = ()
    source_format: str | None = None
    encoding: str = "utf-8-sig"
    delimiter: str = ","
    skip_rows: int = 0
    sheet: str | None = None
    timezone: str | None = None
    name: str | None = None

    @property
    def columns(self) -> tuple[str, ...]:
        """Source columns the mapping reads, in first-use order."""
        seen: dict[str, None] = {}
        for rule in self.fields:
            for c in rule.columns:
                seen.setdefault(c, None)
        for f in self.filters:
            seen.setdefault(f.column, None)
        return tuple(seen)

    @property
    def format_name(self) -> str:
        """How the source record names what read the file (mapping file and its digest)."""
        return f"mapping:{self.path.name}@{self.sha256[:12]}"


def load_mapping(path: Path) -> Mapping:
    """Read and validate a mapping file."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise MappingError(path, None, f"cannot read the file ({exc.strerror})") from None
    try:
        doc = yaml.safe_load(raw.decode("utf-8"))
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        raise MappingError(path, None, f"not valid YAML: {exc}") from None
    return build(path, doc, hashlib.sha256(raw).hexdigest())


def build(path: Path, doc: Any, sha256: str = "") -> Mapping:
    """Validate a parsed YAML document as a mapping."""
    doc = _mapping(path, "(top level)", doc)
    _known(path, "", doc, TOP_KEYS)
    if doc.get("mapping", 1) != 1:
        raise MappingError(path, "mapping", "only mapping version 1 is known")
    kind_name = doc.get("kind")
    if kind_name not in KINDS:
        raise MappingError(path, "kind", f"must be one of {', '.join(KINDS)} (got {kind_name!r})")
    kind = KINDS[kind_name]
    source = {} if doc.get("source") is None else _mapping(path, "source", doc["source"])
    _known(path, "source.", source, SOURCE_KEYS)
    fmt = source.get("format")
    if fmt is not None and fmt not in SOURCE_FORMATS:
        raise MappingError(path, "source.format", f"must be one of {', '.join(SOURCE_FORMATS)}")
    encoding = str(source.get("encoding", "utf-8-sig")).lower()
    if encoding not in ENCODINGS:
        raise MappingError(path, "source.encoding", f"must be one of {', '.join(ENCODINGS)}")
    delimiter = source.get("delimiter", ",")
    if not isinstance(delimiter, str) or len(delimiter) != 1:
        raise MappingError(path, "source.delimiter", "must be a single character")
    skip = source.get("skip_rows", 0)
    if not isinstance(skip, int) or isinstance(skip, bool) or skip < 0:
        raise MappingError(path, "source.skip_rows", "must be a whole number >= 0")
    tz = doc.get("timezone")
    if tz is not None:
        try:
            values.check_timezone(str(tz))
        except InvalidValue as exc:
            raise MappingError(path, "timezone", str(exc)) from None
    fields_doc = _mapping(path, "fields", doc.get("fields"))
    rules = []
    for name, spec in fields_doc.items():
        if name not in kind.field_names:
            raise MappingError(
                path,
                f"fields.{name}",
                f"{kind.name} has no field {name!r}; its fields are {', '.join(kind.field_names)}",
            )
        is_time = kind.field(name).type is ValueType.TIMESTAMP
        rules.append(_field(path, str(name), spec, is_time))
    mapped = {r.field for r in rules}
    missing = [f for f in kind.required if f not in mapped]
    if missing:
        raise MappingError(path, "fields", f"required {kind.name} field(s) unmapped: {missing}")
    if kind.one_of and not mapped.intersection(kind.one_of):
        raise MappingError(path, "fields", f"map at least one of {', '.join(kind.one_of)}")
    filters = _filters(path, doc.get("filters") or [])
    sheet = source.get("sheet")
    return Mapping(
        path=path,
        sha256=sha256,
        kind=kind.name,
        fields=tuple(rules),
        filters=filters,
        source_format=fmt,
        encoding=encoding,
        delimiter=delimiter,
        skip_rows=skip,
        sheet=None if sheet is None else str(sheet),
        timezone=None if tz is None else str(tz),
        name=None if doc.get("name") is None else str(doc["name"]),
    )


def _mapping(path: Path, key: str, value: Any) -> dict[str, Any]:
    if not isinstance(value, dict) or not value:
        raise MappingError(path, key, "must be a non-empty mapping of keys to values")
    return value


def _known(path: Path, prefix: str, doc: dict[str, Any], allowed: frozenset[str]) -> None:
    for k in doc:
        if k not in allowed:
            raise MappingError(
                path, f"{prefix}{k}", f"unknown key; expected one of {', '.join(sorted(allowed))}"
            )


def _text(path: Path, key: str, value: Any) -> str:
    if isinstance(value, bool) or value is None or isinstance(value, dict | list):
        raise MappingError(path, key, f"must be text (got {value!r})")
    return str(value)


def _texts(path: Path, key: str, value: Any) -> tuple[str, ...]:
    items = value if isinstance(value, list) else [value]
    if not items:
        raise MappingError(path, key, "must not be empty")
    return tuple(_text(path, f"{key}[{i}]", v) for i, v in enumerate(items))


def _pairs(path: Path, key: str, value: Any) -> tuple[tuple[str, str], ...]:
    pairs = _mapping(path, key, value)
    return tuple((_text(path, key, k), _text(path, f"{key}.{k}", v)) for k, v in pairs.items())


def _field(path: Path, name: str, spec: Any, is_time: bool) -> FieldRule:
    key = f"fields.{name}"
    if not isinstance(spec, dict):
        return FieldRule(name, columns=(_text(path, key, spec),))
    _known(path, f"{key}.", spec, FIELD_KEYS)
    sources = [k for k in ("column", "concat", "constant") if k in spec]
    if len(sources) != 1:
        raise MappingError(path, key, "give exactly one of column, concat, constant")
    if "constant" in spec:
        return FieldRule(name, constant=_text(path, f"{key}.constant", spec["constant"]))
    columns = (
        (_text(path, f"{key}.column", spec["column"]),)
        if "column" in spec
        else _texts(path, f"{key}.concat", spec["concat"])
    )
    formats: tuple[str, ...] = ()
    if "format" in spec:
        if not is_time:
            raise MappingError(path, f"{key}.format", "only timestamp fields take a format")
        formats = _texts(path, f"{key}.format", spec["format"])
        for i, f in enumerate(formats):
            _check_format(path, f"{key}.format[{i}]", f)
    unmapped = spec.get("unmapped", "keep")
    if unmapped not in ("keep", "empty"):
        raise MappingError(path, f"{key}.unmapped", "must be keep or empty")
    strip = spec.get("strip", True)
    if not isinstance(strip, bool):
        raise MappingError(path, f"{key}.strip", "must be true or false")
    return FieldRule(
        name,
        columns=columns,
        sep=_text(path, f"{key}.sep", spec.get("sep", " ")),
        formats=formats,
        value_map=_pairs(path, f"{key}.map", spec["map"]) if "map" in spec else (),
        keep_unmapped=unmapped == "keep",
        replace=_pairs(path, f"{key}.replace", spec["replace"]) if "replace" in spec else (),
        strip=strip,
    )


def _check_format(path: Path, key: str, fmt: str) -> None:
    if "%" not in fmt:
        raise MappingError(path, key, f"{fmt!r} has no strptime directive such as %Y")
    try:
        pc.strptime(pa.array(["x"]), format=fmt, unit="s", error_is_null=True)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError) as exc:
        raise MappingError(path, key, f"not a usable strptime format: {exc}") from None


def _filters(path: Path, value: Any) -> tuple[FilterRule, ...]:
    if not isinstance(value, list):
        raise MappingError(path, "filters", "must be a list of {column, <test>}")
    out = []
    for i, spec in enumerate(value):
        key = f"filters[{i}]"
        spec = _mapping(path, key, spec)
        _known(path, f"{key}.", spec, frozenset({"column", *FILTER_OPS}))
        ops = [op for op in FILTER_OPS if op in spec]
        if "column" not in spec or len(ops) != 1:
            raise MappingError(path, key, f"give a column and one of {', '.join(FILTER_OPS)}")
        op = ops[0]
        column = _text(path, f"{key}.column", spec["column"])
        values: tuple[str, ...] = ()
        if op in ("empty", "not_empty"):
            if spec[op] is not True:
                raise MappingError(path, f"{key}.{op}", "must be true")
        elif op == "matches":
            values = (_text(path, f"{key}.matches", spec[op]),)
        else:
            values = _texts(path, f"{key}.{op}", spec[op])
        if op == "matches":
            try:
                pc.match_substring_regex(pa.array(["x"]), pattern=values[0])
            except pa.ArrowInvalid as exc:
                raise MappingError(path, f"{key}.matches", f"not a valid pattern: {exc}") from None
        out.append(FilterRule(i, column, op, values))
    return tuple(out)
