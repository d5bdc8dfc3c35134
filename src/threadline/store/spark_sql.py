"""DuckDB SQL to Spark SQL: the transpile step every statement takes on its way to Spark.

The store's SQL is written once, in DuckDB's spelling. sqlglot translates most of it; this
module adds the few translations sqlglot leaves out or gets differently from DuckDB's meaning:
ordered ``list()`` / ``string_agg()`` aggregates, list slices, ``strip_accents``, ``json()``,
``strftime`` patterns, ``epoch``, Splink's ``jaro_winkler`` and time zone-aware casts.
Parameters (``?``) are bound as literals before parsing, so both engines see one statement.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from datetime import date, datetime
from decimal import Decimal
from functools import cache
from typing import Any

import sqlglot
from sqlglot import exp

from threadline.store.engine import quote_literal

READ, WRITE = "duckdb", "spark"
_RAW = "__tl_raw_"


# -- parameters ------------------------------------------------------------------------------
def literal(value: Any) -> str:
    """A Python value as a DuckDB literal."""
    if value is None:
        return "NULL"
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int | float | Decimal):
        return repr(value) if isinstance(value, float) else str(value)
    if isinstance(value, datetime):
        return f"CAST({quote_literal(value.replace(tzinfo=None).isoformat(sep=' '))} AS TIMESTAMP)"
    if isinstance(value, date):
        return f"CAST({quote_literal(value.isoformat())} AS DATE)"
    if isinstance(value, list | tuple):
        if not value:
            return "CAST([] AS VARCHAR[])"
        return "[" + ", ".join(literal(v) for v in value) + "]"
    return quote_literal(str(value))


def bind(sql: str, params: Sequence[Any] | None) -> str:
    """Replace each ``?`` outside quotes with its parameter as a literal."""
    if not params:
        return sql
    out, values, i, quote = [], iter(params), 0, ""
    while i < len(sql):
        c = sql[i]
        if quote:
            out.append(c)
            if c == quote:
                quote = ""
        elif c in "'\"":
            quote = c
            out.append(c)
        elif c == "?":
            out.append(literal(next(values)))
        else:
            out.append(c)
        i += 1
    return "".join(out)


# -- accents ------------------------------------------------------------------------------
@cache
def accent_map() -> tuple[str, str]:
    """(from, to) for ``translate``: Latin letters with marks to their base letter.

    The same folding as DuckDB's ``strip_accents`` (decompose, drop the marks) for every
    letter in the Latin blocks whose decomposition is one ASCII letter plus marks.
    """
    src, dst = [], []
    for code in (*range(0x00C0, 0x0250), *range(0x1E00, 0x1F00)):
        ch = chr(code)
        base = "".join(c for c in unicodedata.normalize("NFD", ch) if not unicodedata.combining(c))
        if len(base) == 1 and base != ch and base.isascii():
            src.append(ch)
            dst.append(base)
    return "".join(src), "".join(dst)


# -- strftime --------------------------------------------------------------------------------
_STRFTIME = {
    "Y": "yyyy",
    "m": "MM",
    "d": "dd",
    "H": "HH",
    "M": "mm",
    "S": "ss",
    "f": "SSSSSS",
    "y": "yy",
    "j": "DDD",
}


def java_pattern(fmt: str) -> str:
    """A strftime format as a Java DateTimeFormatter pattern (literal text quoted)."""
    out: list[str] = []
    text: list[str] = []
    i = 0

    def flush() -> None:
        if text:
            out.append("'" + "".join(text).replace("'", "''") + "'")
            text.clear()

    while i < len(fmt):
        if fmt[i] == "%" and i + 1 < len(fmt) and fmt[i + 1] in _STRFTIME:
            flush()
            out.append(_STRFTIME[fmt[i + 1]])
            i += 2
        else:
            text.append(fmt[i])
            i += 1
    flush()
    return "".join(out)


# -- the translation -------------------------------------------------------------------------
class _Raw:
    """Spark SQL text standing in for a node until the statement is written out."""

    def __init__(self) -> None:
        self.parts: dict[str, str] = {}

    def node(self, text: str) -> exp.Expr:
        name = f"{_RAW}{len(self.parts)}"
        self.parts[name] = text
        return exp.column(name)

    def sql(self, node: exp.Expr) -> str:
        return node.sql(dialect=WRITE)

    def expand(self, text: str) -> str:
        while _RAW in text:
            for name, part in sorted(self.parts.items(), key=lambda kv: -len(kv[0])):
                text = text.replace(f"`{name}`", f"({part})").replace(name, f"({part})")
        return text


def _compare(keys: list[exp.Ordered]) -> str:
    """A comparator over two structs for ``array_sort``: DuckDB's ORDER BY order."""
    cases = []
    for i, key in enumerate(keys):
        desc = bool(key.args.get("desc"))
        nulls_first = bool(key.args.get("nulls_first"))
        lt, gt = ("1", "-1") if desc else ("-1", "1")
        null_l = "-1" if nulls_first else "1"
        null_r = "1" if nulls_first else "-1"
        f = f"k{i}"
        cases += [
            f"WHEN tl_l.{f} IS NULL AND tl_r.{f} IS NOT NULL THEN {null_l}",
            f"WHEN tl_l.{f} IS NOT NULL AND tl_r.{f} IS NULL THEN {null_r}",
            f"WHEN tl_l.{f} < tl_r.{f} THEN {lt}",
            f"WHEN tl_l.{f} > tl_r.{f} THEN {gt}",
        ]
    # Ties keep a fixed order too (by the value), so both engines slice the same elements.
    cases += [
        "WHEN tl_l.v IS NULL AND tl_r.v IS NOT NULL THEN 1",
        "WHEN tl_l.v IS NOT NULL AND tl_r.v IS NULL THEN -1",
        "WHEN tl_l.v < tl_r.v THEN -1",
        "WHEN tl_l.v > tl_r.v THEN 1",
    ]
    return "(tl_l, tl_r) -> CASE " + " ".join(cases) + " ELSE 0 END"


def _ordered_list(agg: exp.Expr, where: exp.Expr | None, raw: _Raw) -> tuple[str, bool] | None:
    """``list(x ORDER BY k)`` (optionally DISTINCT, FILTER) as a sorted Spark array."""
    order = agg.this
    if not isinstance(order, exp.Order):
        return None
    value = order.this
    distinct = isinstance(value, exp.Distinct)
    if distinct:
        value = value.expressions[0]
    keys = list(order.expressions)
    fields = [f"'k{i}', {raw.sql(k.this)}" for i, k in enumerate(keys)]
    fields.append(f"'v', {raw.sql(value)}")
    collect = f"COLLECT_LIST(NAMED_STRUCT({', '.join(fields)}))"
    if where is not None:
        collect += f" FILTER (WHERE {raw.sql(where.this)})"
    text = f"TRANSFORM(ARRAY_SORT({collect}, {_compare(keys)}), tl_s -> tl_s.v)"
    if distinct:
        text = f"ARRAY_DISTINCT({text})"
    return text, distinct


def _translate(node: exp.Expr, raw: _Raw) -> exp.Expr:
    if isinstance(node, exp.Filter) and isinstance(node.this, exp.ArrayAgg):
        done = _ordered_list(node.this, node.expression, raw)
        if done:
            return raw.node(done[0])
    if isinstance(node, exp.ArrayAgg) and not isinstance(node.parent, exp.Filter):
        done = _ordered_list(node, None, raw)
        if done:
            return raw.node(done[0])
    if isinstance(node, exp.GroupConcat) and isinstance(node.this, exp.Order):
        fake = exp.ArrayAgg(this=node.this)
        done = _ordered_list(fake, None, raw)
        if done:
            sep = node.args.get("separator") or exp.Literal.string(",")
            return raw.node(f"NULLIF(ARRAY_JOIN({done[0]}, {raw.sql(sep)}), '')")
    if isinstance(node, exp.Bracket) and len(node.expressions) == 1:
        s = node.expressions[0]
        if isinstance(s, exp.Slice) and s.this.is_int and s.expression.is_int:
            lo, hi = int(s.this.name), int(s.expression.name)
            return raw.node(f"SLICE({raw.sql(node.this)}, {lo}, {max(hi - lo + 1, 0)})")
    if isinstance(node, exp.Anonymous) and node.name.lower() == "strip_accents":
        src, dst = accent_map()
        return exp.Anonymous(
            this="TRANSLATE",
            expressions=[node.expressions[0], exp.Literal.string(src), exp.Literal.string(dst)],
        )
    if isinstance(node, exp.ParseJSON):
        return raw.node(f"PARSE_JSON({raw.sql(node.this)})")
    if isinstance(node, exp.TimeToStr):
        fmt = node.args["format"]
        pattern = java_pattern(fmt.name) if fmt.is_string else fmt.name
        return exp.Anonymous(
            this="DATE_FORMAT", expressions=[node.this, exp.Literal.string(pattern)]
        )
    if isinstance(node, exp.TimeToUnix):
        return raw.node(f"UNIX_MICROS(CAST({raw.sql(node.this)} AS TIMESTAMP_LTZ)) / 1000000.0")
    if isinstance(node, exp.JarowinklerSimilarity):
        return exp.Anonymous(this="jaro_winkler", expressions=[node.this, node.expression])
    if isinstance(node, exp.Column) and not node.table and _is_row_alias(node):
        return raw.node(f"STRUCT({node.name}.*)")  # DuckDB's whole-row reference
    if isinstance(node, exp.Select) and isinstance(node.args.get("group"), exp.Group):
        _group_correlated(node)
    if isinstance(node, exp.DataType) and node.this == exp.DataType.Type.TIMESTAMPTZ:
        return exp.DataType.build("TIMESTAMPLTZ")
    return node


def _is_row_alias(column: exp.Column) -> bool:
    """A bare name that is a table alias of the enclosing SELECT: DuckDB reads it as the row."""
    select = column.find_ancestor(exp.Select)
    if select is None or isinstance(column.parent, exp.Dot):
        return False
    if column.find_ancestor(exp.Order, exp.Group, exp.Where) is not None:
        return False
    tables = [t for t in select.find_all(exp.Table) if t.find_ancestor(exp.Select) is select]
    names = {t.alias_or_name for t in tables}
    return column.name in names and column.name not in _columns_named(select)


def _columns_named(select: exp.Select) -> set[str]:
    return {e.alias_or_name for e in select.expressions}


def _outside_subqueries(node: exp.Expr) -> list[exp.Expr]:
    found, stack = [], [node]
    while stack:
        n = stack.pop()
        found.append(n)
        stack += [c for c in n.iter_expressions() if not isinstance(c, exp.Subquery)]
    return found


def _group_correlated(select: exp.Select) -> None:
    """Group also by select items that only hold a scalar subquery (Spark asks for it).

    DuckDB accepts ``(SELECT ... WHERE x = outer.key)`` beside aggregates when ``key`` is
    grouped; Spark wants the item in the GROUP BY, which changes nothing for such items.
    """
    group = select.args["group"]
    if group.args.get("all"):
        return
    for i, item in enumerate(select.expressions, start=1):
        if not any(isinstance(n, exp.Subquery) for n in item.walk()):
            continue
        if any(isinstance(n, exp.AggFunc) for n in _outside_subqueries(item)):
            continue
        group.append("expressions", exp.Literal.number(i))


def translate(statement: exp.Expr) -> str:
    """Write one parsed DuckDB statement (or expression) as Spark SQL."""
    raw = _Raw()
    tree = statement.copy()
    # Children first, so a node written out as Spark text already holds translated parts.
    for node in reversed(list(tree.walk(bfs=False))):
        new = _translate(node, raw)
        if new is not node:
            if node is tree:
                tree = new
            else:
                node.replace(new)
    return raw.expand(tree.sql(dialect=WRITE))


def parse(sql: str, params: Sequence[Any] | None = None) -> list[exp.Expr]:
    """Parse DuckDB SQL (parameters bound) into statements."""
    return [s for s in _parse(bind(sql, params)) if s is not None]


@cache
def _parse_cached(sql: str) -> tuple[exp.Expr | None, ...]:
    return tuple(sqlglot.parse(sql, read=READ))


def _parse(sql: str) -> list[exp.Expr | None]:
    if len(sql) < 20_000:
        return [s.copy() if s is not None else None for s in _parse_cached(sql)]
    return list(sqlglot.parse(sql, read=READ))


def transpile(sql: str, params: Sequence[Any] | None = None) -> str:
    """One DuckDB statement as Spark SQL."""
    statements = parse(sql, params)
    return "; ".join(translate(s) for s in statements)
