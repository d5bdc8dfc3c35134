"""Paging, sorting, filtering and CSV export, shared by every list page and its /api twin.

A list is declared as a :class:`Spec`: the columns it shows (and exports), the ones it may
be sorted by and the filters it takes. A request's parameters are checked against the spec
(an unknown sort column or filter is refused, never passed on to SQL); the rows are sorted,
filtered and paged *after* the access policy has redacted them, so a filter or a count can
never reveal a withheld value. Nothing is cut silently: every page says which rows of how
many it holds and links to the others.
"""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Literal
from urllib.parse import urlencode

from threadline.web.errors import BadRequest

PAGE_SIZE = 50
MAX_PAGE_SIZE = 1000
Match = Literal["eq", "contains", "from", "to", "min", "max", "has"]
RESERVED = ("sort", "page", "size", "format")
# A spreadsheet runs a cell that starts with one of these as a formula (CSV injection).
FORMULA = ("=", "+", "-", "@", "\t", "\r")


@dataclass(frozen=True)
class Filter:
    """One filter: the request parameter, the row field it tests and how."""

    param: str
    field: str
    match: Match = "eq"
    label: str = ""


@dataclass(frozen=True)
class Spec:
    """A list: its name, shown columns, sortable columns, default order and filters."""

    name: str
    columns: tuple[str, ...]
    sortable: tuple[str, ...]
    default_sort: str
    filters: tuple[Filter, ...] = ()

    def filter(self, param: str) -> Filter | None:
        """The filter named by a request parameter, or None."""
        return next((f for f in self.filters if f.param == param), None)


@dataclass(frozen=True)
class Request:
    """A checked list request: order, page, page size, filters and the answer's format."""

    sort: str
    descending: bool
    page: int
    size: int
    filters: dict[str, str] = field(default_factory=dict)
    csv: bool = False


def parse(spec: Spec, params: Mapping[str, str], base: Sequence[str] = ()) -> Request:
    """Check a request's parameters against the list's spec.

    ``sort`` is a sortable column, ``-`` in front for descending; ``page`` counts from 1;
    ``base`` names parameters the route itself uses (they are neither filters nor refused).

    Raises:
        BadRequest: An unknown sort column or parameter, or a page or size out of range.
    """
    raw_sort = params.get("sort") or spec.default_sort
    descending = raw_sort.startswith("-")
    sort = raw_sort.removeprefix("-")
    if sort not in spec.sortable:
        raise BadRequest(
            f"cannot sort {spec.name} by {sort[:40]!r}; sortable: {', '.join(spec.sortable)}"
        )
    page = _int(params.get("page"), "page", 1, 1, 10**9)
    size = _int(params.get("size"), "size", PAGE_SIZE, 1, MAX_PAGE_SIZE)
    filters = {}
    for key, value in params.items():
        if key in RESERVED or key in base:
            continue
        if spec.filter(key) is None:
            known = ", ".join(f.param for f in spec.filters) or "none"
            raise BadRequest(f"{spec.name} cannot be filtered by {key[:40]!r}; filters: {known}")
        if value.strip():
            filters[key] = value.strip()[:200]
    fmt = params.get("format", "")
    if fmt not in ("", "json", "html", "csv"):
        raise BadRequest(f"format {fmt[:20]!r}: use csv or json")
    return Request(sort, descending, page, size, filters, fmt == "csv")


def _int(raw: str | None, name: str, default: int, low: int, high: int) -> int:
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise BadRequest(f"{name} must be a whole number") from None
    if not low <= value <= high:
        raise BadRequest(f"{name} must be between {low} and {high}")
    return value


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, list | tuple):
        return " ".join(_text(v) for v in value)
    return str(value)


def _keep(f: Filter, want: str, value: Any) -> bool:
    if value is None:
        return False
    if f.match == "eq":
        return _text(value).lower() == want.lower()
    if f.match == "contains":
        return want.lower() in _text(value).lower()
    if f.match == "has":  # a list value that holds the wanted item
        items = value if isinstance(value, list | tuple | set) else [value]
        return want.lower() in {_text(v).lower() for v in items}
    if f.match in ("from", "to"):  # ISO dates and times compare as text
        text = _text(value)
        return text >= want if f.match == "from" else text[: len(want)] <= want
    try:
        number, bound = float(value), float(want)
    except (TypeError, ValueError):
        raise BadRequest(f"{f.param} must be a number") from None
    return number >= bound if f.match == "min" else number <= bound


def _sort_key(value: Any) -> tuple[int, float, str]:
    """Missing values last; numbers by value before text; everything else by its text.

    One key shape for every value, so a column mixing numbers and text still sorts.
    """
    if value is None:
        return (2, 0.0, "")
    if isinstance(value, bool):
        return (0, float(value), "")
    if isinstance(value, int | float):
        number = float(value)
        return (0, 0.0 if math.isnan(number) else number, "")
    return (1, 0.0, _text(value))


@dataclass(frozen=True)
class Page:
    """One page of a list: its rows, where they are in the whole, and links to the others."""

    rows: list[dict[str, Any]]
    total: int
    page: int
    pages: int
    size: int
    first: int  # 1-based number of the first row shown (0 when none)
    last: int
    request: Request

    def as_dict(self) -> dict[str, Any]:
        """The paging facts as JSON values (rows not included)."""
        r = self.request
        return {
            "total": self.total,
            "page": self.page,
            "pages": self.pages,
            "size": self.size,
            "first": self.first,
            "last": self.last,
            "sort": ("-" if r.descending else "") + r.sort,
            "filters": dict(r.filters),
        }


def order(
    spec: Spec,
    request: Request,
    rows: Sequence[dict[str, Any]],
    value: Callable[[dict[str, Any], str], Any] | None = None,
) -> list[dict[str, Any]]:
    """The (already redacted) rows the request's filters keep, in its order.

    ``value`` reads a field of a row (default: the row's own key), for fields that are
    computed or nested.
    """
    get = value or (lambda row, name: row.get(name))
    kept = [
        row
        for row in rows
        if all(
            _keep(f, want, get(row, f.field))
            for param, want in request.filters.items()
            if (f := spec.filter(param)) is not None
        )
    ]
    ordered = sorted(kept, key=lambda row: _sort_key(get(row, request.sort)))
    if request.descending:
        # Missing values stay last in both directions.
        present = [r for r in ordered if get(r, request.sort) is not None][::-1]
        ordered = present + [r for r in ordered if get(r, request.sort) is None]
    return ordered


def ordering(request: Request) -> tuple[Any, ...]:
    """What, besides the rows, decides :func:`order`'s answer (to remember it by)."""
    return (request.sort, request.descending, tuple(sorted(request.filters.items())))


def cut(request: Request, ordered: Sequence[dict[str, Any]]) -> Page:
    """The requested page of rows already filtered and ordered (all of them for CSV)."""
    total = len(ordered)
    if request.csv:
        return Page(list(ordered), total, 1, 1, total, 1 if total else 0, total, request)
    pages = max(1, math.ceil(total / request.size))
    page = min(request.page, pages)
    start = (page - 1) * request.size
    shown = list(ordered[start : start + request.size])
    return Page(
        shown,
        total,
        page,
        pages,
        request.size,
        start + 1 if shown else 0,
        start + len(shown),
        request,
    )


def apply(
    spec: Spec,
    request: Request,
    rows: Sequence[dict[str, Any]],
    value: Callable[[dict[str, Any], str], Any] | None = None,
) -> Page:
    """Filter, sort and cut the (already redacted) rows to the requested page."""
    return cut(request, order(spec, request, rows, value))


def to_csv(columns: Sequence[str], rows: Sequence[dict[str, Any]]) -> str:
    """Rows as CSV with a header; a cell a spreadsheet would run as a formula is quoted with '."""
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\n")
    w.writerow(columns)
    for row in rows:
        cells = []
        for c in columns:
            text = _text(row.get(c))
            cells.append("'" + text if text.startswith(FORMULA) else text)
        w.writerow(cells)
    return out.getvalue()


def url(path: str, request: Request, **change: Any) -> str:
    """The list's URL with this request's order, filters and size, and ``change`` applied."""
    params: dict[str, Any] = dict(request.filters)
    params["sort"] = ("-" if request.descending else "") + request.sort
    params["size"] = request.size
    params["page"] = request.page
    for k, v in change.items():
        if v is None:
            params.pop(k, None)
        else:
            params[k] = v
    return f"{path}?{urlencode(params)}"


def sort_url(path: str, request: Request, column: str) -> str:
    """The URL that sorts by ``column`` (descending first; again flips it), from page 1."""
    flip = column == request.sort and request.descending
    return url(path, request, sort=column if flip else f"-{column}", page=1)
