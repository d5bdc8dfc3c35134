"""Every list of the workbench, paged, sorted, filtered and exported through the policy.

Each function reads all rows (cached until the next merge or split), redacts them for the
user exactly as the single-record views do, and only then filters, sorts and pages them
(:mod:`threadline.web.listing`): a filter can match only what the user may see, and the
totals count only that. Rows the user may not see are counted as ``restricted``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import replace
from typing import Any

from threadline.web import listing
from threadline.web import sql as web_sql
from threadline.web.errors import BadRequest
from threadline.web.list_specs import (
    AUDIT,
    HEADINGS,
    MEDIA,
    PERSONS,
    QUARANTINE,
    SESSIONS,
    SINGULAR,
    TARGETS,
    TIMELINE,
)
from threadline.web.listing import Spec
from threadline.web.policy import User
from threadline.web.views_case import targets as country_targets
from threadline.web.views_media import _found_on_visible
from threadline.web.views_person import (
    close_links,
    href,
    reason_links,
    redact_sessions,
    session_rows,
    span_of,
    timeline_key,
    timeline_view,
    with_own_links,
)
from threadline.web.workbench import Workbench, rows


def _answer(
    wb: Workbench,
    user: User,
    spec: Spec,
    request: listing.Request,
    found: list[dict[str, Any]],
    ident: str,
    restricted: int = 0,
    share: tuple[Any, ...] | None = None,
    finish: Callable[[list[dict[str, Any]]], list[dict[str, Any]]] | None = None,
    **extra: Any,
) -> dict[str, Any]:
    """The page (or, for CSV, every row) as the view's answer; audited as a view or export.

    ``share`` names ``found`` when it is the same list for every request with that name
    (until the next merge or split): its filtered, ordered form is then remembered, and a
    request costs only its page. The rows of the page are shared: copy before changing.
    ``finish`` makes the page's rows ready for the user (it may depend on the records the
    user may open, never on more): with ``share``, a finished page is remembered too. A
    CSV export holds only the spec's columns, so its rows need no finishing.
    """
    if share is None:
        page = listing.apply(spec, request, found)
        if finish is not None and not request.csv:
            page = replace(page, rows=finish(page.rows))
    else:
        ordering = (*share, *listing.ordering(request))
        ordered = wb.remember(
            ("ordered", spec.name, *ordering), lambda: listing.order(spec, request, found)
        )
        page = listing.cut(request, ordered)
        if finish is not None and not request.csv:
            done = finish
            where = (page.page, page.size)
            rows_ = wb.remember(
                ("finished", spec.name, *ordering, *where, *wb.record_key(user)),
                lambda: done(page.rows),
            )
            page = replace(page, rows=rows_)
    verb = "export" if request.csv else "view"
    wb.audit(
        user,
        verb,
        f"{spec.name}_list",
        ident,
        rows=len(page.rows),
        total=page.total,
        filters=dict(request.filters),
    )
    return {
        "list": spec.name,
        "link_class": f"{SINGULAR[spec.name]}-link",
        "columns": list(spec.columns),
        "sortable": list(spec.sortable),
        "filters": [
            {"param": f.param, "label": f.label or f.param, "date": f.match in ("from", "to")}
            for f in spec.filters
        ],
        "headings": {c: HEADINGS.get(c, c.replace("_", " ")) for c in spec.columns},
        "paging": page.as_dict(),
        "restricted": restricted,
        "rows": page.rows,
        "request": request,
        **extra,
    }


def sessions(wb: Workbench, user: User, params: Mapping[str, str]) -> dict[str, Any]:
    """Every session as the user may see it, filtered, sorted and paged (audited)."""
    wb.require(user, "read")
    request = listing.parse(SESSIONS, params)
    found, nets = wb.cached(
        ("sessions-all",),
        lambda r: (session_rows(web_sql.all_sessions(r)), web_sql.person_network_ids(r)),
    )
    # A session's redaction depends only on which persons the user sees (no source agency
    # is involved), so users of one view key share it; the rows are not changed afterwards.
    key = ("sessions-view", *wb.view_key(user))
    shown = wb.remember(key, lambda: _session_view(wb, user, found, nets))
    return _answer(
        wb, user, SESSIONS, request, shown, "all", share=key, finish=lambda p: _closed(wb, user, p)
    )


def _closed(wb: Workbench, user: User, items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Copies of the items with links to evidence the user may not open blanked.

    An item's ``evidence``, or each of its ``reasons``' evidence, is a list of links; the
    user's agency decides which rows they may open, so this is done per record key.
    """
    out = [with_own_links(item) for item in items]
    links = reason_links(out) + [e for x in out for e in reason_links(x.get("reasons", []))]
    close_links(wb, user, links)
    return out


def _session_view(
    wb: Workbench, user: User, found: list[dict[str, Any]], nets: dict[str, list[str]]
) -> list[dict[str, Any]]:
    shown = []
    for s in redact_sessions(wb, user, found):
        visible = [p for p in (s.get("buyer_person"), s.get("seller_person")) if p]
        s["networks"] = sorted({n for p in visible for n in nets.get(str(p), [])})
        s["_links"] = {}
        for side in ("buyer", "seller"):
            pid = s.get(f"{side}_person")
            s[f"{side}_search"] = f"{s.get(f'{side}_label') or ''} {pid or ''}"
            if pid:
                s["_links"][f"{side}_label"] = f"/persons/{pid}"
        shown.append(s)
    return shown


def targets(wb: Workbench, user: User, country: str, params: Mapping[str, str]) -> dict[str, Any]:
    """A country's targets, with the rank within that country, filtered, sorted and paged."""
    request = listing.parse(TARGETS, params)
    data = country_targets(wb, user, country)  # checks, redacts and audits the view
    # ``country_rank`` is the score stage's: it counts every target of the country,
    # restricted ones included, so a user's rank numbers have gaps rather than shift.
    return _answer(
        wb,
        user,
        TARGETS,
        request,
        data["targets"],
        country,
        data["restricted"],
        share=data["share"],
        finish=lambda p: _closed(wb, user, p),
        country=country,
        own=data["own"],
        countries=data["countries"],
    )


def persons(wb: Workbench, user: User, params: Mapping[str, str]) -> dict[str, Any]:
    """Every person the user may see; the others only counted."""
    wb.require(user, "read")
    request = listing.parse(PERSONS, params)
    found, nets = wb.cached(
        ("persons-all",), lambda r: (rows(web_sql.persons_list(r)), web_sql.person_network_ids(r))
    )
    key = ("persons-view", *wb.view_key(user))
    shown, hidden = wb.remember(key, lambda: _person_view(wb, user, found, nets))
    return _answer(wb, user, PERSONS, request, shown, "all", hidden, share=key)


def _person_view(
    wb: Workbench, user: User, found: list[dict[str, Any]], nets: dict[str, list[str]]
) -> tuple[list[dict[str, Any]], int]:
    shown, hidden = [], 0
    for p in found:
        pid = str(p["person_id"])
        if not wb.visible(user, pid):
            hidden += 1
            continue
        a = wb.access(pid)
        label = wb.label(pid)
        shown.append(
            p
            | {
                "label": label,
                "role": a.role,
                "jurisdictions": list(a.countries),
                "networks": nets.get(pid, []),
                "name_search": f"{label} {pid}",
                "_links": {"label": f"/persons/{pid}"},
            }
        )
    return shown, hidden


def media(wb: Workbench, user: User, params: Mapping[str, str]) -> dict[str, Any]:
    """Every hash-list match; the holder of a restricted person's media shows as a placeholder."""
    wb.require(user, "read")
    request = listing.parse(MEDIA, params)

    def make(r: Any) -> tuple[list[dict[str, Any]], dict[str, str]]:
        found = rows(web_sql.all_media_matches(r))
        holders = {str(m["found_on"]).strip().lower() for m in found if m.get("found_on")}
        return found, web_sql.persons_of(r, sorted(holders))

    found, owners = wb.cached(("media-all",), make)

    def view() -> list[dict[str, Any]]:
        shown = []
        for m in found:
            item = {k: m.get(k) for k in MEDIA.columns}
            if not _found_on_visible(wb, user, m.get("found_on"), owners):
                item["found_on"] = wb.placeholder(owners.get(str(m["found_on"]).strip().lower()))
            item["_links"] = {"sha256": f"/media/{m['sha256']}"}
            shown.append(item)
        return shown

    key = ("media-view", *wb.record_key(user))
    shown = wb.remember(key, view)
    summary, available = wb.cached(
        ("media-summary",),
        lambda r: (web_sql.media_summary(r), web_sql.table_exists(r, "media_matches")),
    )
    return _answer(
        wb,
        user,
        MEDIA,
        request,
        shown,
        "media_matches",
        share=key,
        summary=summary,
        available=available,
    )


def quarantine(wb: Workbench, user: User, params: Mapping[str, str]) -> dict[str, Any]:
    """Quarantined rows of the user's agency's sources (all for a coordinator); others counted.

    A quarantined row is raw input that belongs to no known person, so the record rule
    leaves it to the agency that seized its source (and to coordinating agencies).
    """
    wb.require(user, "read")
    request = listing.parse(QUARANTINE, params)
    found = wb.cached(("quarantine-all",), lambda r: rows(web_sql.quarantine_rows(r)))

    def view() -> tuple[list[dict[str, Any]], int]:
        shown, hidden = [], 0
        for q in found:
            if not wb.record_visible(user, q.get("source_agency"), [None]):
                hidden += 1
                continue
            link = href(q.get("source_sha256"), q.get("row"))
            shown.append(dict(q, _links={"row": link} if link else {}))
        return shown, hidden

    key = ("quarantine-view", *wb.record_key(user))
    shown, hidden = wb.remember(key, view)
    return _answer(wb, user, QUARANTINE, request, shown, "all", hidden, share=key)


def audit(wb: Workbench, user: User, params: Mapping[str, str]) -> dict[str, Any]:
    """The audit log: an admin sees their own agency's entries, a coordinator's admin all."""
    wb.require(user, "audit")
    request = listing.parse(AUDIT, params)
    agency = None if wb.policy.coordinates(user) else user.agency
    with wb.reader() as r:
        found = rows(web_sql.audit_tail(r, 2**62, agency))
    return _answer(wb, user, AUDIT, request, found, agency or "all")


def timeline(
    wb: Workbench, user: User, person_id: str, params: Mapping[str, str]
) -> dict[str, Any]:
    """Every event of a person's timeline (no cut at the newest 200), redacted per record."""
    wb.require_person(user, person_id)
    request = listing.parse(TIMELINE, params)
    # A date filter narrows the read itself (a facilitator can have a hundred thousand
    # events); the filter still decides, on the redacted rows, which ones are listed.
    span = span_of(request.filters.get("from"), request.filters.get("to"))
    shown = timeline_view(wb, user, person_id, span)
    return _answer(
        wb,
        user,
        TIMELINE,
        request,
        shown,
        person_id,
        share=timeline_key(wb, user, person_id, span),
        person_id=person_id,
        label=wb.label(person_id),
    )


def check_country(country: str) -> str:
    """An upper-case two-letter country code from a path, else a 400."""
    cc = country.upper()
    if len(cc) != 2 or not cc.isalpha():
        raise BadRequest(f"{country[:8]!r} is not an ISO 3166-1 alpha-2 country code")
    return cc
