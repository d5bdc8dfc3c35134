"""DuckDB SQL to Spark SQL: the transpile step every statement takes on its way to Spark.

The store's SQL is written in DuckDB's dialect and transpiled to Spark by this module's sqlglot
dialect, :class:`ThreadlineSpark`: sqlglot's Spark dialect plus, as generator transforms, the
translations sqlglot leaves out or gets differently from DuckDB's meaning: ordered ``list()`` /
``string_agg()`` aggregates, list slices, ``strip_accents``, ``json()``, ``strftime`` patterns,
``epoch``, Splink's ``jaro_winkler``, time zone-aware casts, DuckDB's whole-row references and
the GROUP BY items Spark asks for beside correlated subqueries. :func:`transpile` binds the
parameters (``?``) as literals, parses as DuckDB and writes with that dialect, so both engines
see one statement.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from datetime import date, datetime
from decimal import Decimal
from functools import cache
from typing import Any, ClassVar

import sqlglot
from sqlglot import exp
from sqlglot.dialects.spark import Spark
from sqlglot.generator import Generator
from sqlglot.generators.spark import SparkGenerator
from sqlglot.transforms import preprocess

from threadline.store.engine import quote_literal

READ = "duckdb"


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


# -- the dialect -------------------------------------------------------------------------------
def _spark(self: Generator, node: exp.Expr) -> str:
    """``node`` as sqlglot's own Spark dialect writes it."""
    handler = SparkGenerator.TRANSFORMS.get(type(node)) or getattr(
        SparkGenerator, f"{node.key}_sql"
    )
    return str(handler(self, node))


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


def _ordered_list(self: Generator, order: exp.Expr, where: exp.Expr | None = None) -> str | None:
    """``list(x ORDER BY k)`` (optionally DISTINCT, FILTER) as a sorted Spark array."""
    if not isinstance(order, exp.Order):
        return None
    value = order.this
    distinct = isinstance(value, exp.Distinct)
    if distinct:
        value = value.expressions[0]
    keys = list(order.expressions)
    fields = [f"'k{i}', {self.sql(k.this)}" for i, k in enumerate(keys)]
    fields.append(f"'v', {self.sql(value)}")
    collect = f"COLLECT_LIST(NAMED_STRUCT({', '.join(fields)}))"
    if where is not None:
        collect += f" FILTER (WHERE {self.sql(where.this)})"
    text = f"TRANSFORM(ARRAY_SORT({collect}, {_compare(keys)}), tl_s -> tl_s.v)"
    return f"ARRAY_DISTINCT({text})" if distinct else text


def _list(self: Generator, node: exp.ArrayAgg) -> str:
    """``list()`` / ``array_agg()``: sorted when it has an ORDER BY."""
    text = _ordered_list(self, node.this)
    return f"({text})" if text else _spark(self, node)


def _filtered_list(self: Generator, node: exp.Filter) -> str:
    """``list(x ORDER BY k) FILTER (WHERE c)``: the filter goes inside the sort."""
    agg = node.this
    text = _ordered_list(self, agg.this, node.expression) if isinstance(agg, exp.ArrayAgg) else None
    return f"({text})" if text else _spark(self, node)


def _string_agg(self: Generator, node: exp.GroupConcat) -> str:
    """``string_agg(x, sep ORDER BY k)`` as the sorted list joined; NULL when empty."""
    text = _ordered_list(self, node.this)
    if text is None:
        return _spark(self, node)
    sep = node.args.get("separator") or exp.Literal.string(",")
    return f"(NULLIF(ARRAY_JOIN({text}, {self.sql(sep)}), ''))"


def _slice(self: Generator, node: exp.Bracket) -> str:
    """``x[lo:hi]`` (1-based, both ends included) as ``SLICE(x, lo, length)``."""
    s = node.expressions[0] if len(node.expressions) == 1 else None
    lo, hi = (s.this, s.expression) if isinstance(s, exp.Slice) else (None, None)
    if lo is not None and hi is not None and lo.is_int and hi.is_int:
        start, end = int(lo.name), int(hi.name)
        return f"(SLICE({self.sql(node.this)}, {start}, {max(end - start + 1, 0)}))"
    return _spark(self, node)


def _strip_accents(self: Generator, node: exp.Anonymous) -> str:
    """``strip_accents(x)`` (unknown to sqlglot) as ``translate`` with :func:`accent_map`."""
    if node.name.lower() != "strip_accents":
        return _spark(self, node)
    src, dst = accent_map()
    args = (exp.Literal.string(src), exp.Literal.string(dst))
    return self.func("TRANSLATE", node.expressions[0], *args)


def _strftime(self: Generator, node: exp.TimeToStr) -> str:
    """``strftime(t, fmt)`` as ``date_format`` with the Java pattern."""
    fmt = node.args["format"]
    pattern = java_pattern(fmt.name) if fmt.is_string else fmt.name
    return self.func("DATE_FORMAT", node.this, exp.Literal.string(pattern))


def _row(self: Generator, node: exp.Column) -> str:
    """DuckDB's whole-row reference (a bare table alias) as a struct of the row."""
    if not node.table and _is_row_alias(node):
        return f"(STRUCT({node.name}.*))"
    return _spark(self, node)


def _is_row_alias(column: exp.Column) -> bool:
    """A bare name that is a table alias of the enclosing SELECT: DuckDB reads it as the row."""
    select = column.find_ancestor(exp.Select)
    if select is None or isinstance(column.parent, exp.Dot):
        return False
    if column.find_ancestor(exp.Order, exp.Group, exp.Where) is not None:
        return False
    tables = [t for t in select.find_all(exp.Table) if t.find_ancestor(exp.Select) is select]
    names = {t.alias_or_name for t in tables}
    return column.name in names and column.name not in {e.alias_or_name for e in select.expressions}


def _outside_subqueries(node: exp.Expr) -> list[exp.Expr]:
    """``node`` and its descendants, not looking into subqueries."""
    found, stack = [], [node]
    while stack:
        n = stack.pop()
        found.append(n)
        stack += [c for c in n.iter_expressions() if not isinstance(c, exp.Subquery)]
    return found


def _group_correlated(select: exp.Expr) -> exp.Expr:
    """Group also by select items that only hold a scalar subquery (Spark asks for it).

    DuckDB accepts ``(SELECT ... WHERE x = outer.key)`` beside aggregates when ``key`` is
    grouped; Spark wants the item in the GROUP BY, which changes nothing for such items.
    """
    group = select.args.get("group")
    if not isinstance(group, exp.Group) or group.args.get("all"):
        return select
    for i, item in enumerate(select.expressions, start=1):
        if not any(isinstance(n, exp.Subquery) for n in item.walk()):
            continue
        if any(isinstance(n, exp.AggFunc) for n in _outside_subqueries(item)):
            continue
        group.append("expressions", exp.Literal.number(i))
    return select


class ThreadlineSpark(Spark):
    """Spark SQL for statements read as DuckDB's: sqlglot's Spark plus DuckDB's meanings."""

    class Generator(SparkGenerator):
        """Spark's generator with the translations above as its transforms."""

        TYPE_MAPPING: ClassVar = {
            **SparkGenerator.TYPE_MAPPING,
            exp.DType.TIMESTAMPTZ: "TIMESTAMP_LTZ",
        }

        TRANSFORMS: ClassVar = {
            **SparkGenerator.TRANSFORMS,
            exp.Anonymous: _strip_accents,
            exp.ArrayAgg: _list,
            exp.Bracket: _slice,
            exp.Column: _row,
            exp.Filter: _filtered_list,
            exp.GroupConcat: _string_agg,
            exp.JarowinklerSimilarity: lambda self, e: self.func(
                "jaro_winkler", e.this, e.expression
            ),
            exp.ParseJSON: lambda self, e: f"(PARSE_JSON({self.sql(e, 'this')}))",
            exp.Select: preprocess([_group_correlated], SparkGenerator.TRANSFORMS[exp.Select]),
            exp.TimeToStr: _strftime,
            exp.TimeToUnix: lambda self, e: (
                f"(UNIX_MICROS(CAST({self.sql(e, 'this')} AS TIMESTAMP_LTZ)) / 1000000.0)"
            ),
        }


WRITE = ThreadlineSpark()


def translate(statement: exp.Expr) -> str:
    """Write one parsed DuckDB statement (or expression) as Spark SQL."""
    return WRITE.generate(statement)


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
    """One DuckDB statement as Spark SQL: bind, parse as DuckDB, write with the dialect."""
    return "; ".join(translate(s) for s in parse(sql, params))
