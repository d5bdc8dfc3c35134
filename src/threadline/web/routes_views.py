"""Routes of the analyst's views: evidence in context, link analysis, map and rescue worklist.

Each view has a page and a JSON route; both call the same view function, so the access
policy holds alike.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Path, Query, Request, Response
from fastapi.responses import HTMLResponse, RedirectResponse
from pydantic import BaseModel, Field

from threadline.web import notes, views_context, views_links, views_map, views_time
from threadline.web.deps import signed_in, workbench
from threadline.web.errors import RESPONSES
from threadline.web.pages import _safe_next, render
from threadline.web.policy import User
from threadline.web.sessions import Session

api = APIRouter(prefix="/api", responses=RESPONSES)
pages = APIRouter(include_in_schema=False, default_response_class=HTMLResponse)
Auth = Annotated[tuple[User, Session], Depends(signed_in)]
Sha = Annotated[str, Path(pattern=r"^[0-9a-f]{64}$")]
Row = Annotated[int, Path(ge=0)]


# -- evidence in context ---------------------------------------------------------------------
@api.get("/conversation/{source_sha256}/{row}")
def api_conversation(request: Request, auth: Auth, source_sha256: Sha, row: Row) -> Any:
    """A message with the messages before and after it in its conversation (audited)."""
    return views_context.conversation(workbench(request), auth[0], source_sha256, row)


@pages.get("/conversation/{source_sha256}/{row}")
def conversation_page(request: Request, auth: Auth, source_sha256: Sha, row: Row) -> Response:
    """A message in its conversation, both sides, indicator tokens marked (audited)."""
    data = views_context.conversation(workbench(request), auth[0], source_sha256, row)
    return render(request, "conversation.html", {"c": data})


@api.get("/sessions/{session_id}")
def api_session(request: Request, auth: Auth, session_id: str) -> Any:
    """A session's negotiation, payments, live part and logins on one time axis (audited)."""
    data = views_context.session(workbench(request), auth[0], session_id)
    return {k: v for k, v in data.items() if k != "axis"}


@pages.get("/sessions/{session_id}")
def session_page(request: Request, auth: Auth, session_id: str) -> Response:
    """A session on one time axis (audited)."""
    data = views_context.session(workbench(request), auth[0], session_id)
    return render(request, "session.html", {"s": data})


@api.get("/payments/{source_sha256}/{row}")
def api_payment(request: Request, auth: Auth, source_sha256: Sha, row: Row) -> Any:
    """A payment and the other payments of its sender and receiver (audited)."""
    return views_context.payment(workbench(request), auth[0], source_sha256, row)


@pages.get("/payments/{source_sha256}/{row}")
def payment_page(request: Request, auth: Auth, source_sha256: Sha, row: Row) -> Response:
    """A payment beside the other payments of the same sender and receiver (audited)."""
    data = views_context.payment(workbench(request), auth[0], source_sha256, row)
    return render(request, "payment.html", {"p": data})


# -- link analysis ---------------------------------------------------------------------------
Text = Annotated[str | None, Query(max_length=200)]
Day = Annotated[str | None, Query(max_length=10)]


@api.get("/persons/{person_id}/links")
def api_links(
    request: Request,
    auth: Auth,
    person_id: str,
    hops: Annotated[int, Query(ge=1, le=views_links.MAX_HOPS)] = 1,
    kinds: Text = None,
    roles: Text = None,
    since: Day = None,
    until: Day = None,
) -> Any:
    """The persons within ``hops`` links of one person, as Cytoscape elements (audited)."""
    wb = workbench(request)
    return views_links.ego(wb, auth[0], person_id, hops, kinds, roles, since, until)


@api.get("/links/path")
def api_path(
    request: Request,
    auth: Auth,
    a: Annotated[str, Query(max_length=70)],
    b: Annotated[str, Query(max_length=70)],
    kinds: Text = None,
    since: Day = None,
    until: Day = None,
) -> Any:
    """A shortest chain of links between two persons (audited)."""
    return views_links.path(workbench(request), auth[0], a, b, kinds, since, until)


@pages.get("/persons/{person_id}/links")
def links_page(request: Request, auth: Auth, person_id: str) -> Response:
    """A person's ego network, expanded one hop at a time in the browser (audited)."""
    wb = workbench(request)
    data = views_links.ego(wb, auth[0], person_id, 1)
    context = {"e": data, "label": wb.label(person_id), "roles": views_links.ROLES}
    return render(request, "links.html", context)


# -- map and rescue worklist -----------------------------------------------------------------
@api.get("/rescue")
def api_rescue(request: Request, auth: Auth) -> Any:
    """Facilitators in rescue priority order with their home estimates (audited)."""
    return views_map.rescue(workbench(request), auth[0])


@pages.get("/rescue")
def rescue_page(request: Request, auth: Auth) -> Response:
    """The rescue worklist behind the dashboard's card, with its map (audited)."""
    return render(request, "rescue.html", {"r": views_map.rescue(workbench(request), auth[0])})


@api.get("/persons/{person_id}/map")
def api_person_map(request: Request, auth: Auth, person_id: str) -> Any:
    """A person's location fixes and home estimate (audited)."""
    return views_map.person_map(workbench(request), auth[0], person_id)


@pages.get("/persons/{person_id}/map")
def person_map_page(request: Request, auth: Auth, person_id: str) -> Response:
    """A person's location fixes and home estimate on the offline map (audited)."""
    data = views_map.person_map(workbench(request), auth[0], person_id)
    return render(request, "person_map.html", {"m": data})


# -- case notes and tags ---------------------------------------------------------------------
Kind = Annotated[str, Query(pattern="^(person|session|evidence)$")]
Subject = Annotated[str, Query(max_length=200)]


class NoteIn(BaseModel):
    """A note on a person, session or evidence row (``SHA256:ROW``): a tag, a text or both."""

    subject_kind: str = Field(pattern="^(person|session|evidence)$")
    subject_id: str = Field(max_length=200)
    tag: str = Field(default="", max_length=32)
    text: str = Field(default="", max_length=notes.TEXT_MAX)


@api.get("/notes")
def api_notes(request: Request, auth: Auth, kind: Kind, subject: Subject) -> Any:
    """Your agency's notes on one person, session or evidence row."""
    return {"notes": notes.on(workbench(request), auth[0], kind, subject)}


@api.post("/notes", status_code=201)
def api_add_note(request: Request, auth: Auth, body: NoteIn) -> Any:
    """Add a note or tag for your agency (audited ``note:add``)."""
    wb = workbench(request)
    return notes.add(wb, auth[0], body.subject_kind, body.subject_id, body.tag, body.text)


@pages.get("/notes")
def notes_fragment(request: Request, auth: Auth, kind: Kind, subject: Subject) -> Response:
    """The notes on one subject with a form to add one (loaded into pages by htmx)."""
    found = notes.on(workbench(request), auth[0], kind, subject)
    back = request.headers.get("hx-current-url") or ""
    context = {"notes": found, "kind": kind, "subject": subject, "next": _local(back)}
    return render(request, "_notes.html", context)


@pages.post("/notes")
def notes_submit(
    request: Request,
    auth: Auth,
    subject_kind: Annotated[str, Form(pattern="^(person|session|evidence)$")],
    subject_id: Annotated[str, Form(max_length=200)],
    tag: Annotated[str, Form(max_length=32)] = "",
    text: Annotated[str, Form(max_length=notes.TEXT_MAX)] = "",
    next: Annotated[str, Form(max_length=500)] = "/",
) -> Response:
    """Add a note from a page's form, then back to that page."""
    notes.add(workbench(request), auth[0], subject_kind, subject_id, tag, text)
    return RedirectResponse(_safe_next(next), status_code=303)


@pages.get("/notes/agency")
def agency_notes_fragment(request: Request, auth: Auth) -> Response:
    """Every note of your agency, for the package builder (loaded by htmx)."""
    found = notes.of_agency(workbench(request), auth[0])
    return render(request, "_agency_notes.html", {"notes": found})


def _local(url: str) -> str:
    """The path and query of one of our own page addresses (for returning after a form)."""
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    return _safe_next(parts.path + (f"?{parts.query}" if parts.query else ""))


# -- timelines -------------------------------------------------------------------------------
@api.get("/persons/{person_id}/activity")
def api_person_activity(
    request: Request, auth: Auth, person_id: str, since: Day = None, until: Day = None
) -> Any:
    """A person's messages, payments and logins per month in a date range (audited)."""
    data = views_time.person_activity(workbench(request), auth[0], person_id, since, until)
    return {k: v for k, v in data.items() if k != "chart"}


@pages.get("/persons/{person_id}/activity")
def person_activity_page(
    request: Request, auth: Auth, person_id: str, since: Day = None, until: Day = None
) -> Response:
    """A person's monthly activity chart with a date-range control (audited)."""
    data = views_time.person_activity(workbench(request), auth[0], person_id, since, until)
    return render(request, "activity.html", {"a": data})


@api.get("/networks/{network_id}/activity")
def api_network_activity(
    request: Request, auth: Auth, network_id: str, since: Day = None, until: Day = None
) -> Any:
    """A network's monthly activity in a date range (audited)."""
    data = views_time.network_activity(workbench(request), auth[0], network_id, since, until)
    return {k: v for k, v in data.items() if k != "chart"}


@pages.get("/networks/{network_id}/activity")
def network_activity_page(
    request: Request, auth: Auth, network_id: str, since: Day = None, until: Day = None
) -> Response:
    """A network's monthly activity chart with a date-range control (audited)."""
    data = views_time.network_activity(workbench(request), auth[0], network_id, since, until)
    return render(request, "activity.html", {"a": data})
