"""Server-rendered pages. They call the same views as the API, so the policy holds alike."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any
from urllib.parse import quote, urlsplit

from fastapi import APIRouter, Depends, Form, Query, Request, Response
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.templating import Jinja2Templates

from threadline import __version__
from threadline.web import (
    charts,
    routes_find,
    views_case,
    views_ids,
    views_media,
    views_person,
    views_review,
)
from threadline.web.deps import login, logout, session_of, set_cookie, signed_in, workbench
from threadline.web.errors import TooManyAttempts, Unauthenticated, WebError
from threadline.web.policy import ACTIONS, User
from threadline.web.sessions import Session

templates = Jinja2Templates(directory=Path(__file__).parent / "templates")
# The templates ship with the package: no need to stat each file on every page.
templates.env.auto_reload = False
router = APIRouter(include_in_schema=False, default_response_class=HTMLResponse)
Auth = Annotated[tuple[User, Session], Depends(signed_in)]
NAV = (
    ("/", "Dashboard"),
    ("/networks", "Networks"),
    ("/targets", "Targets"),
    ("/sessions", "Sessions"),
    ("/persons", "Persons"),
    ("/media", "Media"),
    ("/merges", "Merge review"),
    ("/packages", "Packages"),
)


def render(
    request: Request,
    name: str,
    context: dict[str, Any],
    *,
    status: int = 200,
    headers: dict[str, str] | None = None,
    session: Session | None = None,
) -> Response:
    """Render a template with what every page needs: user, CSRF token, navigation, permissions."""
    s = session or session_of(request)
    user = s.user if s else None
    wb = workbench(request)
    base = {
        "user": user,
        "csrf": s.csrf if s else "",
        "nav": NAV,
        "path": request.url.path,
        "version": __version__,
        "case_name": str(wb.case.info.get("name")),
        "read_only": wb.read_only,
        "can": {a: bool(user and wb.policy.can(user, a)) for a in ACTIONS},
    }
    return templates.TemplateResponse(
        request, name, {**base, **context}, status_code=status, headers=headers
    )


def _safe_next(target: str | None) -> str:
    """Only a local path may follow sign-in (no open redirect)."""
    if not target:
        return "/"
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return "/"
    return target


@router.get("/favicon.ico")
def favicon() -> Response:
    """No icon: an empty answer."""
    return Response(status_code=204)


@router.get("/login")
def login_page(request: Request, next: str = "/") -> Response:
    """The sign-in form; a visitor without a session gets one for the form's CSRF token."""
    s = session_of(request)
    fresh = s is None
    if s is None:
        s = workbench(request).sessions.new()
    context = {"next": _safe_next(next), "error": None}
    response = render(request, "login.html", context, session=s)
    if fresh:
        set_cookie(request, response, s)
    return response


@router.post("/login")
def login_submit(
    request: Request,
    name: Annotated[str, Form(max_length=64)],
    password: Annotated[str, Form(max_length=1024)],
    next: Annotated[str, Form(max_length=500)] = "/",
) -> Response:
    """Sign in and go on to ``next``; a failure shows the form again with the reason."""
    response: Response = RedirectResponse(_safe_next(next), status_code=303)
    try:
        login(request, response, name, password)
    except (Unauthenticated, TooManyAttempts) as exc:
        status = exc.status if isinstance(exc, TooManyAttempts) else 401
        return render(
            request,
            "login.html",
            {"next": _safe_next(next), "error": exc.message},
            status=status,
            headers=exc.headers,
        )
    return response


@router.post("/logout")
def logout_submit(request: Request) -> Response:
    """Sign out and return to the sign-in page."""
    response: Response = RedirectResponse("/login", status_code=303)
    logout(request, response)
    return response


@router.get("/")
def dashboard(request: Request, auth: Auth) -> Response:
    """The case overview with its monthly activity chart."""
    data = views_case.dashboard(workbench(request), auth[0])
    return render(
        request, "dashboard.html", {"d": data, "chart": charts.activity_bars(data["activity"])}
    )


@router.get("/networks")
def networks(request: Request, auth: Auth) -> Response:
    """The networks the user may see."""
    items = views_case.networks(workbench(request), auth[0])
    return render(request, "networks.html", {"networks": items})


@router.get("/networks/{network_id}")
def network(request: Request, auth: Auth, network_id: str) -> Response:
    """One network's graph (audited); an old network id leads to what it became."""
    if (m := views_ids.moved(workbench(request), auth[0], "network", network_id)) is not None:
        return _moved(request, m)
    graph = views_case.network_graph(workbench(request), auth[0], network_id)
    return render(request, "network.html", {"g": graph, "network_id": network_id})


@router.get("/persons/{person_id}")
def person(
    request: Request,
    auth: Auth,
    person_id: str,
    events: Annotated[int, Query(ge=0, le=views_person.TIMELINE_LIMIT)] = 25,
) -> Response:
    """A person's profile with the newest ``events`` of their timeline (audited).

    Every event is on the person's paged timeline, which the page links to. An old person
    id (merged or split since) leads to the person it became, or lists them.
    """
    if (m := views_ids.moved(workbench(request), auth[0], "person", person_id)) is not None:
        return _moved(request, m)
    data = views_person.person(workbench(request), auth[0], person_id, events)
    return render(request, "person.html", {"p": data})


def _moved(request: Request, m: dict[str, Any]) -> Response:
    """One successor: a redirect to it; several or none: the list, with the id's history."""
    if len(m["successors"]) == 1:
        return RedirectResponse(f"/{m['kind']}s/{m['successors'][0]['id']}", status_code=303)
    return render(request, "moved.html", {"m": m}, status=300 if m["successors"] else 410)


@router.get("/persons/{person_id}/selectors")
def person_selectors(request: Request, auth: Auth, person_id: str) -> Response:
    """The records showing each selector that joins the person's members (audited)."""
    found = views_person.selectors(workbench(request), auth[0], person_id)
    if request.headers.get("hx-request"):
        return render(request, "_selectors.html", {"rows": found})
    return render(request, "selectors.html", {"rows": found, "person_id": person_id})


@router.get("/evidence/{source_sha256}/{row}")
def evidence(request: Request, auth: Auth, source_sha256: str, row: int) -> Response:
    """The stored records behind one row of one source file (audited)."""
    data = views_person.evidence(workbench(request), auth[0], source_sha256, row)
    return render(request, "evidence.html", {"e": data})


@router.get("/targets")
def targets_own(request: Request, auth: Auth) -> Response:
    """Redirect to the targets of the user's own country."""
    return RedirectResponse(f"/targets/{auth[0].country}", status_code=303)


@router.get("/targets/{country}")
def targets(request: Request, auth: Auth, country: str) -> Response:
    """A country's ranked targets, paged, sorted and filtered (audited)."""
    return routes_find.targets_page(request, auth[0], country)


@router.get("/sessions")
def sessions(request: Request, auth: Auth) -> Response:
    """Every buyer-seller session, paged, sorted and filtered (audited)."""
    return routes_find.sessions_page(request, auth[0])


@router.get("/media")
def media(request: Request, auth: Auth) -> Response:
    """Media matched against hash lists, paged, sorted and filtered (audited)."""
    return routes_find.media_page(request, auth[0])


@router.get("/media/{sha256}")
def media_item(request: Request, auth: Auth, sha256: str) -> Response:
    """One media file: its hashes, where it was found and what it matched (audited)."""
    data = views_media.item(workbench(request), auth[0], sha256)
    return render(request, "media_item.html", {"m": data, "thumb": None})


@router.post("/media/{sha256}/thumbnail")
def media_thumbnail(
    request: Request, auth: Auth, sha256: str, reason: Annotated[str, Form(max_length=2000)]
) -> Response:
    """Record why the user asks for a thumbnail, then show it blurred via a one-time link."""
    wb = workbench(request)
    grant = views_media.grant_thumbnail(wb, auth[0], auth[1], sha256, reason)
    data = views_media.item(wb, auth[0], sha256)
    thumb = f"/api/media/{sha256}/thumbnail?grant={grant}"
    if request.headers.get("hx-request"):
        return render(request, "_thumbnail.html", {"thumb": thumb, "m": data})
    return render(request, "media_item.html", {"m": data, "thumb": thumb})


@router.get("/merges")
def merges(request: Request, auth: Auth) -> Response:
    """The merge-review queue and the decisions already taken."""
    return render(request, "merges.html", {"m": views_review.merges(workbench(request), auth[0])})


@router.get("/merges/preview")
def merge_preview(
    request: Request,
    auth: Auth,
    action: Annotated[str, Query(pattern="^(confirm|reject)$")],
    a: Annotated[str, Query(max_length=200)],
    b: Annotated[str, Query(max_length=200)] = "",
) -> Response:
    """What a confirm or reject would change, with the form that applies it."""
    effect = views_review.preview(workbench(request), auth[0], action, a, b or None)
    return render(request, "merge_preview.html", {"p": effect, "a": a, "b": b})


@router.post("/merges/undo")
def merge_undo(
    request: Request,
    auth: Auth,
    decision: Annotated[int, Form(ge=1)],
    reason: Annotated[str, Form(max_length=2000)],
) -> Response:
    """Take back a decision, with a reason (audited); then back to the queue."""
    views_review.undo(workbench(request), auth[0], decision, reason)
    return RedirectResponse("/merges", status_code=303)


@router.post("/merges/{action}")
def merge_decide(
    request: Request,
    auth: Auth,
    action: str,
    a: Annotated[str, Form(max_length=200)],
    reason: Annotated[str, Form(max_length=2000)],
    b: Annotated[str, Form(max_length=200)] = "",
) -> Response:
    """Confirm or reject a model's merge, with a reason (audited); then back to the queue."""
    result = views_review.decide(workbench(request), auth[0], action, a, b or None, reason)
    if request.headers.get("hx-request"):
        return render(request, "_decided.html", {"r": result})
    return RedirectResponse("/merges", status_code=303)


@router.get("/packages")
def packages(
    request: Request, auth: Auth, built: Annotated[str | None, Query(max_length=40)] = None
) -> Response:
    """Built referral packages the user may download, and whether they may build one."""
    data = views_review.packages(workbench(request), auth[0])
    return render(request, "packages.html", {"p": data, "error": None, "built": built})


@router.post("/packages/{country}")
def package_generate(request: Request, auth: Auth, country: str) -> Response:
    """Build a country's referral package; if refused, the packages page says why."""
    wb = workbench(request)
    try:
        result = views_review.generate(wb, auth[0], country)
    except WebError as exc:
        data = views_review.packages(wb, auth[0])
        return render(
            request,
            "packages.html",
            {"p": data, "error": exc.message, "built": None},
            status=exc.status,
        )
    return RedirectResponse(f"/packages?built={quote(result['build'])}", status_code=303)


@router.get("/audit")
def audit_page(request: Request, auth: Auth) -> Response:
    """The audit log, paged and filtered (admins: their agency's; coordinators: all)."""
    return routes_find.audit_page(request, auth[0])
