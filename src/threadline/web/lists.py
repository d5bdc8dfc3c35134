"""Every list of the workbench, paged, sorted, filtered and exported through the policy.

Each function reads all rows (cached until the next merge or split), redacts them for the
user exactly as the single-record views do, and only then filters, sorts and pages them
(:mod:`threadline.web.listing`): a filter can match only what the user may see, and the
totals count only that. Rows the user may not see are counted as ``restricted``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from threadline.web import listing
from threadline.web import sql as web_sql
from threadline.web.errors import BadRequest
from threadline.web.listing import Filter, Spec
from threadline.web.policy import User
from threadline.web.views_case import targets as country_targets
from threadline.web.views_media import _found_on_visible
from threadline.web.views_person import (
    close_links,
    href,
    reason_links,
    redact_sessions,
    session_rows,
    withheld_event,
)
from threadline.web.workbench import Workbench, rows

SESSIONS = Spec(
    "sessions",
    columns=(
        *("start", "end", "buyer_label", "buyer_person", "seller_label", "seller_person"),
        *("networks", "payment_transaction_ids", "login_ips", "confidence", "session_id"),
    ),
    sortable=("start", "end", "buyer_label", "seller_label", "confidence", "session_id"),
    default_sort="-start",
    filters=(
        Filter("buyer", "buyer_search", "contains", "buyer (handle or person id)"),
        Filter("facilitator", "seller_search", "contains", "seller / facilitator"),
        Filter("network", "networks", "has", "network id"),
        Filter("from", "start", "from", "from (date)"),
        Filter("to", "start", "to", "to (date)"),
    ),
)
TARGETS = Spec(
    "targets",
    columns=(
        "country_rank",
        "rank",
        "label",
        "person_id",
        "role",
        "priority",
        "confidence",
        "score",
        "signals",
    ),
    sortable=("country_rank", "rank", "label", "role", "priority", "confidence", "score"),
    default_sort="country_rank",
    filters=(
        Filter("priority", "country_rank", "max", "top N in the country"),
        Filter("min_score", "score", "min", "score at least"),
        Filter("reason", "signals", "has", "reason (signal)"),
        Filter("role", "role", "eq", "role"),
    ),
)
PERSONS = Spec(
    "persons",
    columns=("label", "person_id", "role", "jurisdictions", "score", "members", "sessions"),
    sortable=("label", "person_id", "role", "score", "members", "sessions"),
    default_sort="-score",
    filters=(
        Filter("q", "name_search", "contains", "handle, name or id"),
        Filter("role", "role", "eq", "role"),
        Filter("country", "jurisdictions", "has", "jurisdiction"),
        Filter("network", "networks", "has", "network id"),
    ),
)
MEDIA = Spec(
    "media",
    columns=("sha256", "match", "distance", "list_name", "category", "series_id", "found_on"),
    sortable=("sha256", "match", "distance", "list_name", "category", "series_id"),
    default_sort="sha256",
    filters=(
        Filter("series", "series_id", "eq", "series"),
        Filter("category", "category", "eq", "category"),
        Filter("list", "list_name", "eq", "matched list"),
        Filter("match", "match", "eq", "match kind"),
    ),
)
QUARANTINE = Spec(
    "quarantine",
    columns=("file", "source_agency", "kind", "row", "field", "reason", "detail", "original"),
    sortable=("file", "row", "field", "reason", "kind"),
    default_sort="file",
    filters=(
        Filter("reason", "reason", "eq", "reason"),
        Filter("file", "file", "contains", "source file"),
        Filter("field", "field", "eq", "field"),
    ),
)
AUDIT = Spec(
    "audit",
    columns=("seq", "at", "os_user", "action", "details"),
    sortable=("seq", "at", "action"),
    default_sort="-seq",
    filters=(
        Filter("action", "action", "contains", "action"),
        Filter("user", "details", "contains", "user or detail"),
        Filter("from", "at", "from", "from (date)"),
        Filter("to", "at", "to", "to (date)"),
    ),
)
TIMELINE = Spec(
    "timeline",
    columns=("at", "kind", "direction", "other", "detail", "source_agency"),
    sortable=("at", "kind"),
    default_sort="-at",
    filters=(
        Filter("kind", "kind", "eq", "kind"),
        Filter("from", "at", "from", "from (date)"),
        Filter("to", "at", "to", "to (date)"),
    ),
)
SPECS = {s.name: s for s in (SESSIONS, TARGETS, PERSONS, MEDIA, QUARANTINE, AUDIT, TIMELINE)}
SINGULAR = {
    "sessions": "session",
    "targets": "target",
    "persons": "person",
    "media": "media",
    "quarantine": "quarantined",
    "audit": "audit",
    "timeline": "event",
}
HEADINGS = {
    "buyer_label": "buyer",
    "seller_label": "seller",
    "buyer_person": "buyer id",
    "seller_person": "seller id",
    "payment_transaction_ids": "payments",
    "country_rank": "rank in country",
    "rank": "global rank",
    "label": "person",
    "person_id": "person id",
    "os_user": "by",
    "at": "when (UTC)",
    "seq": "#",
}
TIMELINE_ALL = 10**9  # the timeline query's per-kind bound: none in practice


def _answer(
    wb: Workbench,
    user: User,
    spec: Spec,
    request: listing.Request,
    found: list[dict[str, Any]],
    ident: str,
    restricted: int = 0,
    **extra: Any,
) -> dict[str, Any]:
    """The page (or, for CSV, every row) as the view's answer; audited as a view or export."""
    page = listing.apply(spec, request, found)
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
    shown = wb.cached(
        ("sessions-view", *wb.view_key(user)),
        lambda r: _session_view(wb, user, found, nets),
    )
    answer = _answer(wb, user, SESSIONS, request, shown, "all")
    # Evidence links are closed per user (their agency may open more rows): on copies.
    answer["rows"] = [dict(s, evidence=[dict(e) for e in s["evidence"]]) for s in answer["rows"]]
    close_links(wb, user, reason_links(answer["rows"]))
    return answer


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
    found = [
        t
        | {
            "signals": [x["signal"] for x in t["reasons"]],
            "_links": {"label": f"/persons/{t['person_id']}"},
        }
        for t in data["targets"]
    ]
    return _answer(
        wb,
        user,
        TARGETS,
        request,
        found,
        country,
        data["restricted"],
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
    return _answer(wb, user, PERSONS, request, shown, "all", hidden)


def media(wb: Workbench, user: User, params: Mapping[str, str]) -> dict[str, Any]:
    """Every hash-list match; the holder of a restricted person's media shows as a placeholder."""
    wb.require(user, "read")
    request = listing.parse(MEDIA, params)

    def make(r: Any) -> tuple[list[dict[str, Any]], dict[str, str]]:
        found = rows(web_sql.all_media_matches(r))
        holders = {str(m["found_on"]).strip().lower() for m in found if m.get("found_on")}
        return found, web_sql.persons_of(r, sorted(holders))

    found, owners = wb.cached(("media-all",), make)
    shown = []
    for m in found:
        item = {k: m.get(k) for k in MEDIA.columns}
        if not _found_on_visible(wb, user, m.get("found_on"), owners):
            item["found_on"] = wb.placeholder(owners.get(str(m["found_on"]).strip().lower()))
        item["_links"] = {"sha256": f"/media/{m['sha256']}"}
        shown.append(item)
    summary, available = wb.cached(
        ("media-summary",),
        lambda r: (web_sql.media_summary(r), web_sql.table_exists(r, "media_matches")),
    )
    return _answer(
        wb, user, MEDIA, request, shown, "media_matches", summary=summary, available=available
    )


def quarantine(wb: Workbench, user: User, params: Mapping[str, str]) -> dict[str, Any]:
    """Quarantined rows of the user's agency's sources (all for a coordinator); others counted.

    A quarantined row is raw input that belongs to no known person, so the record rule
    leaves it to the agency that seized its source (and to coordinating agencies).
    """
    wb.require(user, "read")
    request = listing.parse(QUARANTINE, params)
    found = wb.cached(("quarantine-all",), lambda r: rows(web_sql.quarantine_rows(r)))
    shown, hidden = [], 0
    for q in found:
        if not wb.record_visible(user, q.get("source_agency"), [None]):
            hidden += 1
            continue
        link = href(q.get("source_sha256"), q.get("row"))
        shown.append(dict(q, _links={"row": link} if link else {}))
    return _answer(wb, user, QUARANTINE, request, shown, "all", hidden)


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
    found = wb.cached(
        ("timeline-all", person_id),
        lambda r: rows(web_sql.timeline(r, person_id, TIMELINE_ALL)),
    )
    shown = []
    for row in found:
        t = dict(row)
        other = t.get("other_person")
        parties = [other] if t["kind"] != "login" else []
        if not wb.record_visible(user, t["source_agency"], parties):
            t = withheld_event(wb, t)
        else:
            t["href"] = href(t.get("source_sha256"), t.get("row"))
            if other and not wb.visible(user, other):
                t["other"], t["other_person"] = wb.placeholder(other), None
            elif t["kind"] == "payment" and other:
                t["other"] = wb.label(other)
        links = {"at": t["href"]} if t.get("href") else {}
        if t.get("other_person"):
            links["other"] = f"/persons/{t['other_person']}"
        shown.append(t | {"_links": links})
    return _answer(
        wb,
        user,
        TIMELINE,
        request,
        shown,
        person_id,
        person_id=person_id,
        label=wb.label(person_id),
    )


def check_country(country: str) -> str:
    """An upper-case two-letter country code from a path, else a 400."""
    cc = country.upper()
    if len(cc) != 2 or not cc.isalpha():
        raise BadRequest(f"{country[:8]!r} is not an ISO 3166-1 alpha-2 country code")
    return cc
