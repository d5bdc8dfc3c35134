"""Load one source file into a case: stage, normalise, validate, deduplicate, record.

Runs inside the caller's transaction, so a failure anywhere leaves nothing of the file.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Protocol

import pyarrow as pa

from threadline.errors import EngineError, InvalidValue, SourceError
from threadline.schema import Kind, ValueType
from threadline.store.engine import Engine, StagedFile, quote_ident, quote_literal
from threadline.store.normalise_sql import (
    LOOKUP_TYPES,
    REASON_TEXT,
    FieldSql,
    checks,
    field_sql,
    lookup_alias,
    lookup_table,
    raw_column,
    record_id_sql,
)
from threadline.store.tables import stored_columns

Normaliser = Callable[..., str]


class TextRecords(Protocol):
    """An exact reader of a seized text file: Arrow batches, then what it could not read."""

    rejects: list[tuple[int, str, str]]
    error: SourceError | None  # a refusal of the whole file, raised while it was read

    def reader(self) -> pa.RecordBatchReader:
        """Stream ``_row`` plus the staged columns; ``rejects`` is complete afterwards."""
        ...


@dataclass(frozen=True)
class SourceMeta:
    """What the chain of custody records about a source file."""

    source_id: str
    sha256: str
    path: str
    size: int
    kind: str
    format: str
    agency: str
    seizure: str
    timezone: str | None
    country: str | None
    os_user: str
    tool_version: str
    ingested_at: datetime


@dataclass(frozen=True)
class LoadPlan:
    """Everything the loader needs to know about one file."""

    kind: Kind
    path: Path
    format: str  # "csv", "jsonl", or the name of a parser that produced ``records``
    header: tuple[str, ...]  # CSV columns in file order (empty for JSON Lines)
    meta: SourceMeta
    normalisers: Mapping[ValueType, Normaliser]
    lines: int = 0  # physical non-blank lines, to account for every line of a CSV file
    ignored_fields: tuple[str, ...] = ()
    # Records a format parser produced: text columns named as the kind's fields plus
    # ``_row`` (where the record sits in the original file), and what it could not read.
    # A streaming parser may still be filling ``rejects`` until ``records`` is consumed.
    records: pa.Table | pa.RecordBatchReader | None = None
    rejects: Sequence[tuple[int, str, str]] = ()
    # Test hook: raise after this many statements to prove atomicity.
    fail_after_stage: bool = False
    # The exact (slower) reader of a CSV / JSON Lines file, used when the engine's reader
    # cannot take the file or leaves something out; ``exact_first`` skips the engine reader.
    exact: Callable[[], TextRecords] | None = None
    exact_first: bool = False

    @property
    def staged_columns(self) -> list[str]:
        """Staging names of the CSV columns, by position: header names may clash in SQL."""
        return [staged_name(i) for i in range(len(self.header))]


def staged_name(index: int) -> str:
    """The staging column of the CSV header's field at ``index`` (0-based)."""
    return f"_c{index + 1}"


@dataclass
class LoadResult:
    """Row counts of one load (read, stored, duplicate, quarantined) and quarantine reasons."""

    rows_read: int = 0
    stored: int = 0
    duplicate: int = 0
    quarantined: int = 0
    conflicting: int = 0  # later versions of stored records whose content differs
    reasons: dict[str, int] = field(default_factory=dict)


class ReadAgainExactly(EngineError):
    """The engine's reader failed on the file; load it again with the exact reader.

    The engine aborted the transaction, so the caller rolls back and starts over with
    ``LoadPlan.exact_first``.
    """


class InjectedFailure(RuntimeError):
    """Raised by the test hook in the middle of a load."""


def load_source(engine: Engine, plan: LoadPlan) -> LoadResult:
    """Load ``plan.path`` into the kind's table; return the counts for the source record."""
    kind = plan.kind
    stage = f"stg_{kind.name}"
    sid = quote_literal(plan.meta.source_id)
    if plan.format == "csv" or plan.records is not None:
        if plan.records is not None:
            staged = engine.stage_arrow(plan.records, stage)
            staged = StagedFile(staged.table, staged.rows, list(plan.rejects))
            columns = [c for c in plan.records.schema.names if c != "_row"]
        else:
            staged = _stage_file(engine, plan, stage)
            columns = list(plan.header)
        where_is = dict(zip(columns, plan.staged_columns, strict=True)) if plan.header else {}
        where_is = {c: where_is.get(c, c) for c in columns}
        raw = {
            f.name: _raw_text(f.type, f"s.{quote_ident(where_is[f.name])}")
            if f.name in columns
            else "CAST(NULL AS VARCHAR)"
            for f in kind.fields
        }
        original = engine.dialect.json_object(
            [(c, f"s.{quote_ident(where_is[c])}") for c in columns]
        )
        ok, where, source = "true", "true", f"{stage} s"
        dup = "CAST(NULL AS VARCHAR)"
    else:
        staged = _stage_file(engine, plan, stage)
        ok = engine.dialect.json_is_object("s.line")
        written = json_source_text(engine, stage, kind, ok)
        raw = {
            f.name: _raw_text(
                f.type,
                f"coalesce(s.{quote_ident(_SRC + f.name)}, "
                f"{engine.dialect.json_text('s.line', f.name)})",
            )
            for f in kind.fields
        }
        original = "s.line"
        where = "s.line IS NOT NULL AND trim(s.line) <> ''"
        source = f"{stage} s LEFT JOIN {written} p ON p._row = s._row"
        dup = (
            ", ".join(
                f"p.{quote_ident(_SRC + n)} AS {quote_ident(_SRC + n)}" for n in kind.field_names
            )
            + ", p._dup"
        )
    fields_sql = ", ".join(
        f"CASE WHEN _ok THEN {expr} END AS {quote_ident(n)}" for n, expr in raw.items()
    )
    engine.execute(
        f"CREATE OR REPLACE TEMP VIEW {stage}_f AS SELECT s._row, _ok, _dup, {fields_sql} "
        f"FROM (SELECT s.*, {ok} AS _ok, {dup} AS _dup FROM {source} WHERE {where}) s"
    )
    if plan.fail_after_stage:
        raise InjectedFailure("injected failure after staging")
    lookups = _build_lookups(engine, kind, stage, plan)
    sqls = {f.name: field_sql(f, engine.dialect, plan.meta.timezone) for f in kind.fields}
    _normalise(engine, kind, stage, plan, sqls, lookups)
    for name in lookups:
        engine.unregister(name)

    result = LoadResult(rows_read=int(engine.scalar(f"SELECT count(*) FROM {stage}_n")))
    result.rows_read += len(staged.rejects)
    # The refused rows first, on their own: joined straight to the stage, the engine
    # guessed them many and hashed every staged record instead of the few refused.
    engine.execute(
        f"CREATE OR REPLACE TEMP TABLE {stage}_q AS SELECT _row, _field, _reason, _detail "
        f"FROM {stage}_n WHERE _reason IS NOT NULL"
    )
    engine.execute(
        f"INSERT INTO quarantine SELECT {sid}, n._row, n._field, n._reason, n._detail, "
        f"{original} FROM {stage} s JOIN {stage}_q n ON s._row = n._row"
    )
    _quarantine_rejects(engine, stage, plan, staged)
    cols = [c for c, _ in stored_columns(kind) if c not in ("record_id", "source_id", "row")]
    col_list = ", ".join(quote_ident(c) for c in cols)
    table = quote_ident(kind.name)
    before = int(engine.scalar(f"SELECT count(*) FROM {table}"))
    hits, dups = _repeats(engine, stage, table, stored_before=bool(before))
    good_rows = f"SELECT * FROM {stage}_n n WHERE _reason IS NULL"
    if hits:  # records already stored (from another source) stay as they are
        good_rows += f" AND record_id NOT IN (SELECT record_id FROM {stage}_hit)"
    if dups:  # the first row of the file wins
        good_rows += (
            f" AND NOT EXISTS (SELECT 1 FROM {stage}_dup d "
            f"WHERE d.record_id = n.record_id AND d._first <> n._row)"
        )
    if hits or dups:
        result.conflicting = _keep_conflicts(engine, kind, stage, plan, bool(hits))
    engine.execute(
        f'INSERT INTO {table} (record_id, source_id, "row", {col_list}) '
        f"SELECT record_id, {sid}, _row, {col_list} FROM ({good_rows})"
    )
    if hits or dups:
        # Every other delivery of a stored record is kept as a further provenance: the rows
        # not stored just now (their record was stored before, or is a later row of this
        # file). A version with other content is a conflict, kept in ``conflicts`` and
        # cited nowhere else.
        engine.execute(
            f"INSERT INTO deliveries SELECT {quote_literal(kind.name)}, n.record_id, {sid}, "
            f"n._row FROM {stage}_n n WHERE n._reason IS NULL "
            f"AND (n.record_id IN (SELECT record_id FROM {stage}_hit) OR EXISTS (SELECT 1 "
            f"FROM {stage}_dup d WHERE d.record_id = n.record_id AND d._first <> n._row)) "
            f"AND NOT EXISTS (SELECT 1 FROM conflicts c WHERE c.source_id = {sid} "
            f'AND c."row" = n._row AND c.table_name = {quote_literal(kind.name)})'
        )
    good = int(engine.scalar(f"SELECT count(*) FROM {stage}_n WHERE _reason IS NULL"))
    result.stored = int(engine.scalar(f"SELECT count(*) FROM {table}")) - before
    result.duplicate = good - result.stored - result.conflicting
    result.quarantined = result.rows_read - good
    for reason, count in engine.query(
        "SELECT reason, count(*) FROM quarantine WHERE source_id = ? GROUP BY reason",
        [plan.meta.source_id],
    ):
        result.reasons[str(reason)] = int(count)
    for suffix in ("_n", "_q", "_hit", "_dup"):
        engine.execute(f"DROP TABLE IF EXISTS temp.{quote_ident(stage + suffix)}")
    engine.execute(f"DROP VIEW IF EXISTS temp.{quote_ident(stage + '_f')}")
    engine.drop_stage(stage)
    return result


def _repeats(engine: Engine, stage: str, table: str, *, stored_before: bool) -> tuple[int, int]:
    """Record ids of this file seen before: stored already, or repeated within the file.

    ``{stage}_hit`` holds the ids already stored (one read of the table's ids, which the
    statements after it never read again) and ``{stage}_dup`` the ids the file repeats,
    with the row of their first occurrence. Returns how many of each.
    """
    hit = quote_ident(stage + "_hit")
    engine.execute(
        f"CREATE OR REPLACE TEMP TABLE {hit} AS SELECT DISTINCT record_id FROM {stage}_n "
        f"WHERE _reason IS NULL AND "
        + (f"record_id IN (SELECT record_id FROM {table})" if stored_before else "false")
    )
    dup = quote_ident(stage + "_dup")
    engine.execute(
        f"CREATE OR REPLACE TEMP TABLE {dup} AS SELECT record_id, min(_row) AS _first "
        f"FROM {stage}_n WHERE _reason IS NULL GROUP BY record_id HAVING count(*) > 1"
    )
    return (
        int(engine.scalar(f"SELECT count(*) FROM {hit}")),
        int(engine.scalar(f"SELECT count(*) FROM {dup}")),
    )


def _keep_conflicts(
    engine: Engine, kind: Kind, stage: str, plan: LoadPlan, stored_before: bool
) -> int:
    """Store later versions of records whose content differs from the kept one.

    The kept version is the one stored first (from an earlier source, else the first row of
    this file); the later one goes to ``conflicts`` with its source, row, the fields that
    differ and its values. Returns how many rows of this file are conflicts.
    """
    names = [f.name for f in kind.fields]
    differ = " OR ".join(f"n.{quote_ident(c)} IS DISTINCT FROM k.{quote_ident(c)}" for c in names)
    fields = (
        "concat_ws(',', "
        + ", ".join(
            f"CASE WHEN n.{quote_ident(c)} IS DISTINCT FROM k.{quote_ident(c)} "
            f"THEN {quote_literal(c)} END"
            for c in names
        )
        + ")"
    )
    version = engine.dialect.json_object(
        [(c, f"CAST(n.{quote_ident(c)} AS VARCHAR)") for c in names]
    )
    sid, table = quote_literal(plan.meta.source_id), quote_ident(kind.name)
    cols = ", ".join(quote_ident(c) for c in names)  # explicit: portable to Spark SQL
    # Only records met before can conflict: those stored already (``_hit``) and those the
    # file repeats (``_dup``, whose first row is the kept version unless stored already).
    firsts = (
        f"SELECT n.record_id, {sid} AS _src, n._row AS _krow, {cols} FROM {stage}_n n "
        f"JOIN {stage}_dup d ON d.record_id = n.record_id AND d._first = n._row"
    )
    if stored_before:  # a record stored by another source keeps that version
        firsts += f" WHERE n.record_id NOT IN (SELECT record_id FROM {stage}_hit)"
        kept = (
            f'SELECT record_id, source_id AS _src, "row" AS _krow, {cols} FROM {table} '
            f"WHERE record_id IN (SELECT record_id FROM {stage}_hit) UNION ALL {firsts}"
        )
    else:
        kept = firsts
    engine.execute(
        f"INSERT INTO conflicts SELECT {quote_literal(kind.name)}, n.record_id, {sid}, n._row, "
        f"k._src, k._krow, {fields}, {version} FROM {stage}_n n "
        f"JOIN ({kept}) k ON k.record_id = n.record_id "
        f"WHERE n._reason IS NULL AND NOT (k._src = {sid} AND k._krow = n._row) AND ({differ})"
    )
    return int(
        engine.scalar(
            "SELECT count(*) FROM conflicts WHERE source_id = ? AND table_name = ?",
            [plan.meta.source_id, kind.name],
        )
    )


def _stage_file(engine: Engine, plan: LoadPlan, stage: str) -> StagedFile:
    """Stage a seized CSV or line file.

    A file the reader cannot scan at all (binary data from a device) is the source's fault,
    reported as a SourceError, not an engine one.
    """
    if plan.exact is not None and plan.exact_first:
        return _stage_exact(engine, plan.exact, stage)
    try:
        if plan.format == "csv":
            staged = engine.stage_csv(plan.path, plan.staged_columns, stage)
        else:
            staged = engine.stage_lines(plan.path, stage)
    except EngineError as exc:
        if plan.exact is not None:
            # The failed statement aborted the transaction: nothing more can run in it.
            raise ReadAgainExactly(str(exc), exc.sql) from exc
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise SourceError(plan.path, f"not readable as {plan.format} text ({first})") from exc
    if plan.exact is not None and (
        any(not _plain_reject(r) for r in staged.rejects)
        or (plan.format == "csv" and _unread_tail(engine, stage, plan, staged))
    ):
        # The engine's reader could not take every record as written (a long record, a
        # stray quote): read the whole file again exactly, so no record is split or merged.
        engine.drop_stage(stage)
        return _stage_exact(engine, plan.exact, stage)
    return staged


# Rejects the engine's reader reports exactly: one line with the wrong number of fields (a
# quote that never closes included: the reader resumes on the next line, as the exact
# reader does) or bytes that are not UTF-8. Seized files hold such rows by the thousand;
# they must not cost a second, slower read of the whole file. Whether the reader resumed
# on the right line is proven by counting every line of the file (``_unread_tail``).
_PLAIN_REJECTS = frozenset(
    {"TOO MANY COLUMNS", "MISSING COLUMNS", "INVALID ENCODING", "INVALID UNICODE"}
)


def _plain_reject(reject: tuple[int, str, str]) -> bool:
    _, kinds, text = reject
    return (
        all(k.strip() in _PLAIN_REJECTS for k in kinds.split(";"))
        and "\n" not in text
        and "\r" not in text
    )


def _stage_exact(engine: Engine, exact: Callable[[], TextRecords], stage: str) -> StagedFile:
    records = exact()
    try:
        staged = engine.stage_arrow(records.reader(), stage)
    except EngineError:
        if records.error is not None:  # the engine wraps the reader's own refusal
            raise records.error from None
        raise
    return StagedFile(staged.table, staged.rows, list(records.rejects))


def _raw_text(vtype: ValueType, expr: str) -> str:
    """Empty text is absent; typed values lose surrounding spaces, free text keeps them."""
    if vtype is ValueType.TEXT:
        return f"NULLIF({expr}, '')"
    return f"NULLIF(trim({expr}), '')"


def _build_lookups(engine: Engine, kind: Kind, stage: str, plan: LoadPlan) -> dict[str, pa.Table]:
    """Normalise each distinct selector value once in Python; register the lookup tables."""
    made: dict[str, pa.Table] = {}
    default = plan.meta.country
    for vtype in LOOKUP_TYPES:
        fields = [f for f in kind.fields if f.type is vtype]
        if not fields:
            continue
        func = plan.normalisers[vtype]
        if vtype is ValueType.PHONE:
            parts = []
            default_sql = quote_literal(default) if default else "NULL"
            for f in fields:
                if f.region_from:
                    alias = lookup_alias(kind.field(f.region_from))
                    region = f"coalesce({alias}.value, {default_sql})"
                    joins = _country_join(kind, f.region_from, stage)
                else:
                    region, joins = default_sql, ""
                parts.append(
                    f"SELECT f.{quote_ident(f.name)} AS raw, {region} AS region "
                    f"FROM {stage}_f f {joins} WHERE f.{quote_ident(f.name)} IS NOT NULL"
                )
            rows = engine.query(
                "SELECT DISTINCT raw, region FROM (" + " UNION ALL ".join(parts) + ")"
            )
            values = [_try(func, r, g) for r, g in rows]
            table = pa.table(
                {
                    "raw": pa.array([r for r, _ in rows], pa.string()),
                    "region": pa.array([g for _, g in rows], pa.string()),
                    "value": pa.array(values, pa.string()),
                }
            )
        else:
            union = " UNION ".join(
                f"SELECT f.{quote_ident(f.name)} AS raw FROM {stage}_f f "
                f"WHERE f.{quote_ident(f.name)} IS NOT NULL"
                for f in fields
            )
            raws = [r for (r,) in engine.query(f"SELECT DISTINCT raw FROM ({union})")]
            table = pa.table(
                {
                    "raw": pa.array(raws, pa.string()),
                    "value": pa.array([_try(func, r) for r in raws], pa.string()),
                }
            )
        name = lookup_table(vtype, stage)
        engine.register(name, table)
        made[name] = table
    return made


def _country_join(kind: Kind, field_name: str, stage: str) -> str:
    f = kind.field(field_name)
    alias = lookup_alias(f)
    return (
        f"LEFT JOIN {lookup_table(ValueType.COUNTRY, stage)} {alias} "
        f"ON {alias}.raw = f.{quote_ident(f.name)}"
    )


def _try(func: Normaliser, *args: str | None) -> str | None:
    try:
        return func(*args)
    except InvalidValue:
        return None


def _normalise(
    engine: Engine,
    kind: Kind,
    stage: str,
    plan: LoadPlan,
    sqls: dict[str, FieldSql],
    lookups: Mapping[str, pa.Table],
) -> None:
    """Create ``{stage}_n``: normalised values, originals, and why a row is refused."""
    default = quote_literal(plan.meta.country) if plan.meta.country else "NULL"
    joins = []
    for f in kind.fields:
        if f.type not in LOOKUP_TYPES:
            continue
        alias = lookup_alias(f)
        table = lookup_table(f.type, stage)
        cond = f"{alias}.raw = f.{quote_ident(f.name)}"
        if f.type is ValueType.PHONE:
            region = (
                f"coalesce({lookup_alias(kind.field(f.region_from))}.value, {default})"
                if f.region_from
                else default
            )
            cond += f" AND {alias}.region IS NOT DISTINCT FROM {region}"
        joins.append(f"LEFT JOIN {table} {alias} ON {cond}")
    # Countries must be joined before the phones whose region they give.
    joins.sort(key=lambda j: 0 if "_lk_country" in j else 1)
    values = [f"{sqls[f.name].value} AS {quote_ident(f.name)}" for f in kind.fields]
    raws = [f"f.{quote_ident(f.name)} AS {quote_ident('_raw_' + f.name)}" for f in kind.fields]
    stored = {c for c, _ in stored_columns(kind)}
    originals = [
        f"{raw_column(f)} AS {quote_ident(f.name + '_original')}"
        for f in kind.fields
        if f"{f.name}_original" in stored
    ]
    rules = [
        ("NOT v._ok", "'malformed_record'", "NULL"),
        ("v._dup IS NOT NULL", "'duplicate_key'", "v._dup"),
        *checks(kind, sqls),
    ]
    reason = "CASE " + " ".join(f"WHEN {c} THEN {r}" for c, r, _ in rules) + " END"
    fld = "CASE " + " ".join(f"WHEN {c} THEN {n}" for c, _, n in rules) + " END"
    raw_of = (
        "CASE w._field "
        + " ".join(
            f"WHEN {quote_literal(f.name)} THEN {quote_ident('_raw_' + f.name)}"
            for f in kind.fields
        )
        + " END"
    )
    text = (
        "CASE w._reason "
        + " ".join(
            f"WHEN {quote_literal(r)} THEN {quote_literal(t)}" for r, t in REASON_TEXT.items()
        )
        + " END"
    )
    keep = ", ".join(
        f"w.{quote_ident(c)}"
        for c, _ in stored_columns(kind)
        if c not in ("record_id", "source_id", "row")
    )
    detail = (
        f"CASE WHEN w._field IS NULL THEN {text} ELSE w._field || "
        f"coalesce(' ' || chr(39) || {raw_of} || chr(39), '') || ' ' || {text} END"
    )
    engine.execute(
        f"CREATE OR REPLACE TEMP TABLE {stage}_n AS SELECT w._row, {keep}, w._reason, "
        f"w._field, "
        f"CASE WHEN w._reason IS NULL THEN {record_id_sql(kind, engine.dialect, 'w')} END "
        f"AS record_id, CASE WHEN w._reason IS NOT NULL THEN {detail} END AS _detail FROM ("
        f"SELECT v.*, {', '.join([*originals, reason + ' AS _reason', fld + ' AS _field'])} "
        f"FROM (SELECT f._row, f._ok, f._dup, {', '.join(values + raws)} "
        f"FROM {stage}_f f {' '.join(joins)}) v) w"
    )


def _quarantine_rejects(engine: Engine, stage: str, plan: LoadPlan, staged: StagedFile) -> None:
    """Records the reader could not split into fields go to quarantine as they were."""
    rows = list(staged.rejects)
    if plan.format == "csv" and plan.lines and plan.exact is None:
        missing = _unread_tail(engine, stage, plan, staged)
        if missing:
            rows.append(missing)
    if not rows:
        return
    table = pa.table(
        {
            "row": pa.array([r for r, _, _ in rows], pa.int64()),
            "detail": pa.array([_reject_text(d) for _, d, _ in rows], pa.string()),
            "original": pa.array([o for _, _, o in rows], pa.string()),
        }
    )
    name = f"{stage}_rejects"
    engine.register(name, table)
    engine.execute(
        f'INSERT INTO quarantine SELECT {quote_literal(plan.meta.source_id)}, "row", NULL, '
        f"CASE WHEN detail LIKE '%ENCODING%' THEN 'invalid_encoding' "
        f"WHEN detail LIKE 'filtered:%' THEN 'filtered' "  # left out by a mapping's filter
        f"WHEN detail LIKE 'record_too_long:%' THEN 'record_too_long' "
        f"WHEN detail LIKE 'duplicate_key:%' THEN 'duplicate_key' "
        f"ELSE 'malformed_record' END, detail, original FROM {name}"
    )
    engine.unregister(name)


def _reject_text(reader_error: str) -> str:
    if "ENCODING" in reader_error:
        return f"the record is not UTF-8 text ({reader_error})"
    if reader_error.startswith(("TOO MANY", "MISSING", "UNQUOTED")):
        return f"the record does not split into the header's fields ({reader_error})"
    return reader_error


def _unread_tail(
    engine: Engine, stage: str, plan: LoadPlan, staged: StagedFile
) -> tuple[int, str, str] | None:
    """Lines the CSV reader silently swallowed (an unterminated quote runs to the end)."""
    rejected = 1 + sum(1 + o.count("\n") for _, _, o in staged.rejects)  # and the header
    if staged.rows + rejected >= plan.lines:
        return None  # one line per record already accounts for every line: none swallowed
    cols = [quote_ident(c) for c in plan.staged_columns]
    newlines = " + ".join(
        f"coalesce(length({c}) - length(replace({c}, chr(10), '')), 0)" for c in cols
    )
    has_newline = " OR ".join(f"contains({c}, chr(10))" for c in cols)
    consumed = engine.scalar(
        f"SELECT (SELECT count(*) FROM {stage}) + "
        f"(SELECT coalesce(sum({newlines}), 0) FROM {stage} WHERE {has_newline})"
    )
    consumed = int(consumed) + rejected
    if consumed >= plan.lines:
        return None
    last = int(engine.scalar(f"SELECT coalesce(max(_row), 1) FROM {stage}") or 1)
    last = max([last, *(r for r, _, _ in staged.rejects)])
    tail = _read_tail(plan.path, consumed)
    return (
        last + 1,
        f"{plan.lines - consumed} line(s) from line {consumed + 1} to the end could not be "
        "read as records (unterminated quoted field?)",
        tail,
    )


def _read_tail(path: Path, skip_lines: int, limit: int = 65536) -> str:
    with path.open("rb") as fh:
        for _ in range(skip_lines):
            if not fh.readline():
                break
        return fh.read(limit).decode("utf-8", errors="replace")


_SRC = "_src_"
# A key followed by a JSON number: the engine would give the number's value, not its text.
_NUMBER_VALUE = r'[{,]\s*"[^"]*"\s*:\s*-?[0-9]'


def json_source_text(engine: Engine, stage: str, kind: Kind, ok: str) -> str:
    """A table of the lines whose fields the engine's JSON reading would alter; its name.

    Two things the engine does not keep: a number's text as written (``1e2`` would become
    ``100.0``; an id must stay the text the source wrote) and which of a duplicated key's
    values the source meant (engines take the first, Python and jq the last). Those few lines
    are parsed again in Python: ``_src_<field>`` holds a number field's text as written and
    ``_dup`` a field that appears twice (the row is quarantined as ``duplicate_key``).
    """
    d = engine.dialect
    careful = (
        f"SELECT _row, line FROM {stage} s WHERE s.line IS NOT NULL AND "
        f"CASE WHEN {ok} THEN {d.regexp_matches('s.line', _NUMBER_VALUE)} "
        f"OR {d.json_has_duplicate_keys('s.line')} ELSE false END"
    )
    names = kind.field_names
    rows: list[int] = []
    dups: list[str | None] = []
    texts: dict[str, list[str | None]] = {n: [] for n in names}
    for row, line in engine.query(careful):
        found = _written_fields(str(line), names)
        if found is None:
            continue
        rows.append(int(row))
        dups.append(found[1])
        for n in names:
            texts[n].append(found[0].get(n))
    table = pa.table(
        {
            "_row": pa.array(rows, pa.int64()),
            "_dup": pa.array(dups, pa.string()),
            **{_SRC + n: pa.array(texts[n], pa.string()) for n in names},
        }
    )
    name = f"{stage}_src"
    engine.register(name + "_arrow", table)
    engine.execute(
        f"CREATE OR REPLACE TEMP TABLE {quote_ident(name)} AS "
        f"SELECT * FROM {quote_ident(name + '_arrow')}"
    )
    engine.unregister(name + "_arrow")
    return quote_ident(name)


def _written_fields(line: str, names: Sequence[str]) -> tuple[dict[str, str], str | None] | None:
    """Number fields' text as written and the first field named twice, of one JSON line."""
    wanted = set(names)
    top: list[list[tuple[str, object]]] = []

    def pairs(items: list[tuple[str, object]]) -> dict[str, object]:
        top.append(items)
        return dict(items)

    try:
        json.loads(line, object_pairs_hook=pairs, parse_float=_Number, parse_int=_Number)
    except (ValueError, RecursionError):
        return None
    if not top:
        return None
    items = top[-1]  # the outermost object is completed last
    seen: set[str] = set()
    dup = None
    for key, _ in items:
        if key in seen and key in wanted and dup is None:
            dup = key
        seen.add(key)
    texts = {k: str(v) for k, v in items if k in wanted and isinstance(v, _Number)}
    return texts, dup


class _Number(str):
    """A JSON number kept as the text the source wrote."""

    __slots__ = ()
