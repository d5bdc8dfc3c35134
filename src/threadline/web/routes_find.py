"""Routes of the search and of every paged list: a page and its /api twin for each.

Pages and API call the same views (:mod:`threadline.web.search`, :mod:`threadline.web.lists`)
so the policy holds alike; ``format=csv`` on a list's API route exports every row that
matches its filters (audited as an export).
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request, Response
from fastapi.responses import HTMLResponse

from threadline.web import listing, lists
from threadline.web.deps import signed_in, workbench
from threadline.web.errors import RESPONSES, BadRequest
from threadline.web.policy import User
from threadline.web.search import MAX_LENGTH, search
from threadline.web.sessions import Session

Auth = Annotated[tuple[User, Session], Depends(signed_in)]
pages = APIRouter(include_in_schema=False, default_response_class=HTMLResponse)
api = APIRouter(prefix="/api", responses=RESPONSES)
Q = Annotated[str, Query(max_length=MAX_LENGTH)]


def _params(request: Request) -> dict[str, str]:
    """The query parameters, each once (a repeated parameter is refused)."""
    items = request.query_params.multi_items()
    out: dict[str, str] = {}
    for k, v in items:
        if k in out:
            raise BadRequest(f"parameter {k[:40]!r} given twice")
        out[k] = v
    return out


def _csv(answer: dict[str, Any], name: str) -> Response:
    body = listing.to_csv(answer["columns"], answer["rows"])
    return Response(
        body,
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="threadline-{name}.csv"'},
    )


# The key each list's rows go under in JSON (the names the API used before it paged).
ROWS_KEY = {
    "sessions": "sessions",
    "targets": "targets",
    "media": "matches",
    "audit": "entries",
    "persons": "persons",
    "quarantine": "rows",
    "timeline": "events",
}


def _json(answer: dict[str, Any]) -> dict[str, Any]:
    out = {k: v for k, v in answer.items() if k not in ("request", "rows")}
    out[ROWS_KEY[answer["list"]]] = [
        {k: v for k, v in row.items() if not k.startswith("_") and not k.endswith("_search")}
        for row in answer["rows"]
    ]
    return out


def _page(request: Request, answer: dict[str, Any], path: str, title: str) -> Response:
    from threadline.web.pages import render

    csv_url = listing.url(f"/api{path}", answer["request"], format="csv", page=None, size=None)
    return render(
        request,
        "list.html",
        {
            "a": answer,
            "path": path,
            "list_path": path,
            "title": title,
            "csv_url": csv_url,
            "listing": listing,
        },
    )


def _answer(request: Request, answer: dict[str, Any], name: str) -> Any:
    return _csv(answer, name) if answer["request"].csv else _json(answer)


# -- search -----------------------------------------------------------------------------------
@pages.get("/search")
def search_page(request: Request, auth: Auth, q: Q = "") -> Response:
    """Search the case: hits grouped by kind (audited)."""
    from threadline.web.pages import render

    found = search(workbench(request), auth[0], q) if q.strip() else None
    return render(request, "search.html", {"q": q, "found": found})


@api.get("/search")
def search_api(request: Request, auth: Auth, q: Annotated[str, Query(max_length=200)]) -> Any:
    """Hits for ``q`` grouped by kind; hits the user may not see only counted (audited)."""
    return search(workbench(request), auth[0], q)


# -- lists ------------------------------------------------------------------------------------
@pages.get("/persons")
def persons_page(request: Request, auth: Auth) -> Response:
    """Every person the user may see, paged, sorted and filtered."""
    answer = lists.persons(workbench(request), auth[0], _params(request))
    return _page(request, answer, "/persons", "Persons")


@api.get("/persons")
def persons_api(request: Request, auth: Auth) -> Any:
    """Persons the user may see (``format=csv`` exports them all)."""
    return _answer(request, lists.persons(workbench(request), auth[0], _params(request)), "persons")


@pages.get("/persons/{person_id}/timeline")
def timeline_page(request: Request, auth: Auth, person_id: str) -> Response:
    """Every event of a person's timeline, paged (audited)."""
    answer = lists.timeline(workbench(request), auth[0], person_id, _params(request))
    return _page(
        request, answer, f"/persons/{person_id}/timeline", f"Timeline of {answer['label']}"
    )


@api.get("/persons/{person_id}/timeline")
def timeline_api(request: Request, auth: Auth, person_id: str) -> Any:
    """Every event of a person's timeline, records the user may not see withheld."""
    answer = lists.timeline(workbench(request), auth[0], person_id, _params(request))
    return _answer(request, answer, f"timeline-{person_id}")


@pages.get("/quarantine")
def quarantine_page(request: Request, auth: Auth) -> Response:
    """Quarantined input rows of the user's agency's sources, with their reasons."""
    answer = lists.quarantine(workbench(request), auth[0], _params(request))
    return _page(request, answer, "/quarantine", "Quarantined rows")


@api.get("/quarantine")
def quarantine_api(request: Request, auth: Auth) -> Any:
    """Quarantined input rows (of the user's agency's sources; a coordinator's: all)."""
    answer = lists.quarantine(workbench(request), auth[0], _params(request))
    return _answer(request, answer, "quarantine")


def sessions_page(request: Request, user: User) -> Response:
    """The sessions page (called by the /sessions route)."""
    answer = lists.sessions(workbench(request), user, _params(request))
    return _page(request, answer, "/sessions", "Paid sessions")


def sessions_api(request: Request, user: User) -> Any:
    """The sessions list as JSON or CSV (called by the /api/sessions route)."""
    return _answer(request, lists.sessions(workbench(request), user, _params(request)), "sessions")


def targets_page(request: Request, user: User, country: str) -> Response:
    """A country's targets page (called by the /targets/{country} route)."""
    cc = lists.check_country(country)
    answer = lists.targets(workbench(request), user, cc, _params(request))
    return _page(request, answer, f"/targets/{cc}", f"Targets in {cc}")


def targets_api(request: Request, user: User, country: str) -> Any:
    """A country's targets as JSON or CSV (called by the /api/targets/{country} route)."""
    answer = lists.targets(workbench(request), user, country, _params(request))
    return _answer(request, answer, f"targets-{country}")


def media_page(request: Request, user: User) -> Response:
    """The media matches page (called by the /media route)."""
    answer = lists.media(workbench(request), user, _params(request))
    return _page(request, answer, "/media", "Media matches")


def media_api(request: Request, user: User) -> Any:
    """Media matches as JSON or CSV (called by the /api/media route)."""
    return _answer(request, lists.media(workbench(request), user, _params(request)), "media")


def audit_page(request: Request, user: User) -> Response:
    """The audit log page (called by the /audit route)."""
    answer = lists.audit(workbench(request), user, _params(request))
    return _page(request, answer, "/audit", "Audit log")


def audit_api(request: Request, user: User) -> Any:
    """The audit log as JSON or CSV (called by the /api/audit route)."""
    return _answer(request, lists.audit(workbench(request), user, _params(request)), "audit")
