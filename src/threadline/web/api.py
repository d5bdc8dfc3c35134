"""The JSON API under /api: the same views as the pages, with one error shape.

Every route but ``/api/health`` and ``/api/session`` needs a signed-in session; every
state-changing route needs the session's CSRF token in an ``X-CSRF-Token`` header.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query, Request, Response
from pydantic import BaseModel, ConfigDict, Field

from threadline.web import (
    routes_find,
    views_case,
    views_ids,
    views_media,
    views_person,
    views_review,
)
from threadline.web.deps import login, logout, session_or_new, signed_in, workbench
from threadline.web.errors import RESPONSES
from threadline.web.policy import ACTIONS, User
from threadline.web.sessions import Session

router = APIRouter(prefix="/api", responses=RESPONSES)
Auth = Annotated[tuple[User, Session], Depends(signed_in)]
Sha = Annotated[str, Path(pattern=r"^[0-9a-f]{64}$")]
Country = Annotated[str, Path(pattern=r"^[A-Z]{2}$")]


class Loose(BaseModel):
    """A JSON object whose fields the view decides (no fixed schema)."""

    model_config = ConfigDict(extra="allow")


class Me(BaseModel):
    """The signed-in user, what the policy lets them do, and whether the case is read-only."""

    name: str
    agency: str
    country: str
    role: str
    permissions: list[str]
    coordinator: bool
    read_only: bool


class SessionOut(BaseModel):
    """The session's user (none while signed out) and its CSRF token."""

    user: Me | None
    csrf: str


class LoginIn(BaseModel):
    """The sign-in form: user name and password."""

    name: str = Field(max_length=64)
    password: str = Field(max_length=1024)


class ReasonIn(BaseModel):
    """A request that must say why (the reason goes into the audit log)."""

    reason: str = Field(min_length=1, max_length=2000)


class ConfirmIn(ReasonIn):
    """Confirm a model's merge: two members (or persons) are one person."""

    a: str = Field(max_length=200, description="member key or person id")
    b: str = Field(max_length=200, description="member key or person id")


class RejectIn(ReasonIn):
    """Reject a model's merge: take one member out of the person it was put in."""

    member: str = Field(max_length=200, description="member key to take out of its person")


class UndoIn(ReasonIn):
    """Take back a merge decision: its number in the Decisions table."""

    decision: int = Field(ge=1)


class ThumbnailGrant(BaseModel):
    """The one-time URL of a blurred thumbnail."""

    url: str


def me(request: Request, user: User) -> Me:
    """The user as :class:`Me`, with the actions the case's policy grants their role."""
    wb = workbench(request)
    return Me(
        name=user.name,
        agency=user.agency,
        country=user.country,
        role=user.role,
        permissions=[a for a in ACTIONS if wb.policy.can(user, a)],
        coordinator=wb.policy.coordinates(user),
        read_only=wb.read_only,
    )


@router.get("/health", include_in_schema=False)
def health() -> dict[str, bool]:
    """Liveness check: answers without a session."""
    return {"ok": True}


@router.get("/session", response_model=SessionOut)
def get_session(request: Request, response: Response) -> SessionOut:
    """The caller's session and its CSRF token (an anonymous session is started if none)."""
    s = session_or_new(request, response)
    return SessionOut(user=me(request, s.user) if s.user else None, csrf=s.csrf)


@router.post("/session", response_model=SessionOut)
def post_session(body: LoginIn, request: Request, response: Response) -> SessionOut:
    """Sign in; failures are rate-limited per client address and per user name."""
    s = login(request, response, body.name, body.password)
    return SessionOut(user=me(request, s.user) if s.user else None, csrf=s.csrf)


@router.delete("/session", status_code=204)
def delete_session(request: Request, response: Response) -> Response:
    """Sign out: end the session (audited) and clear its cookie."""
    logout(request, response)
    response.status_code = 204
    return response


@router.get("/me", response_model=Me)
def get_me(request: Request, auth: Auth) -> Me:
    """The signed-in user and what they may do."""
    return me(request, auth[0])


@router.get("/policy", response_model=Loose)
def get_policy(request: Request, auth: Auth) -> dict[str, Any]:
    """The case's access policy: who sees which persons, each role's actions, coordinators."""
    return workbench(request).policy.as_dict()


@router.get("/dashboard", response_model=Loose)
def dashboard(request: Request, auth: Auth) -> dict[str, Any]:
    """Case overview: record counts, findings, sources, quarantine reasons, monthly activity."""
    return views_case.dashboard(workbench(request), auth[0])


@router.get("/networks", response_model=list[Loose])
def networks(request: Request, auth: Auth) -> list[dict[str, Any]]:
    """The networks the user may see, largest first."""
    return views_case.networks(workbench(request), auth[0])


@router.get("/networks/{network_id}/graph", response_model=Loose)
def network_graph(request: Request, auth: Auth, network_id: str) -> dict[str, Any]:
    """Cytoscape.js elements of one network; restricted persons appear without identity."""
    return views_case.network_graph(workbench(request), auth[0], network_id)


@router.get("/persons/{person_id}", response_model=Loose)
def person(
    request: Request,
    auth: Auth,
    person_id: str,
    events: Annotated[int, Query(ge=0, le=views_person.TIMELINE_LIMIT)] = (
        views_person.TIMELINE_SHOWN
    ),
) -> dict[str, Any]:
    """A person's identities, role, score with reasons, and newest ``events`` (audited).

    ``timeline_total`` counts every event; ``timeline_href`` pages through them. An old
    person id (merged or split since) gives ``moved``: the ids it became and its history,
    instead of the person.
    """
    if (m := views_ids.moved(workbench(request), auth[0], "person", person_id)) is not None:
        return {"moved": m}
    return views_person.person(workbench(request), auth[0], person_id, events)


@router.get("/evidence/{source_sha256}/{row}", response_model=Loose)
def evidence(
    request: Request, auth: Auth, source_sha256: Sha, row: Annotated[int, Path(ge=0)]
) -> dict[str, Any]:
    """The stored records from one row of one source file (audited)."""
    return views_person.evidence(workbench(request), auth[0], source_sha256, row)


@router.get("/targets/{country}", response_model=Loose)
def targets(request: Request, auth: Auth, country: Country) -> Any:
    """A country's ranked targets, paged (``format=csv``: all); restricted ones counted."""
    return routes_find.targets_api(request, auth[0], country)


@router.get("/sessions", response_model=Loose)
def sessions(request: Request, auth: Auth) -> Any:
    """Every buyer-seller session, paged (``format=csv``: all); restricted parties withheld."""
    return routes_find.sessions_api(request, auth[0])


@router.get("/media", response_model=Loose)
def media(request: Request, auth: Auth) -> Any:
    """Media matched against hash lists, paged (``format=csv``: all)."""
    return routes_find.media_api(request, auth[0])


@router.get("/media/{sha256}", response_model=Loose)
def media_item(request: Request, auth: Auth, sha256: Sha) -> dict[str, Any]:
    """One media file's hashes, where it was found and what it matched (audited)."""
    return views_media.item(workbench(request), auth[0], sha256)


@router.post("/media/{sha256}/thumbnail", response_model=ThumbnailGrant)
def thumbnail_grant(request: Request, auth: Auth, sha256: Sha, body: ReasonIn) -> ThumbnailGrant:
    """Ask to see a blurred thumbnail, giving a reason (audited); returns a one-time URL."""
    grant = views_media.grant_thumbnail(workbench(request), auth[0], auth[1], sha256, body.reason)
    return ThumbnailGrant(url=f"/api/media/{sha256}/thumbnail?grant={grant}")


@router.get(
    "/media/{sha256}/thumbnail",
    response_class=Response,
    responses={200: {"content": {"image/png": {}}}},
)
def thumbnail(
    request: Request, auth: Auth, sha256: Sha, grant: Annotated[str, Query(max_length=64)] = ""
) -> Response:
    """The blurred PNG for a one-time grant from the thumbnail request."""
    png = views_media.thumbnail(workbench(request), auth[0], auth[1], sha256, grant)
    return Response(png, media_type="image/png")


@router.get("/merges", response_model=Loose)
def merges(request: Request, auth: Auth) -> dict[str, Any]:
    """Model-made merges awaiting review, and the decisions already taken."""
    return views_review.merges(workbench(request), auth[0])


@router.post("/merges/confirm", response_model=Loose)
def merge_confirm(request: Request, auth: Auth, body: ConfirmIn) -> dict[str, Any]:
    """Confirm a model's merge: put the two members in one person, with a reason (audited)."""
    return views_review.decide(workbench(request), auth[0], "confirm", body.a, body.b, body.reason)


@router.post("/merges/reject", response_model=Loose)
def merge_reject(request: Request, auth: Auth, body: RejectIn) -> dict[str, Any]:
    """Reject a model's merge: take the member out of its person, with a reason (audited)."""
    return views_review.decide(
        workbench(request), auth[0], "reject", body.member, None, body.reason
    )


@router.get("/merges/preview", response_model=Loose)
def merge_preview(
    request: Request,
    auth: Auth,
    action: Annotated[str, Query(pattern="^(confirm|reject)$")],
    a: Annotated[str, Query(max_length=200)],
    b: Annotated[str, Query(max_length=200)] = "",
) -> dict[str, Any]:
    """What a confirm or reject would change (persons created, merged, emptied; targets)."""
    return views_review.preview(workbench(request), auth[0], action, a, b or None)


@router.post("/merges/undo", response_model=Loose)
def merge_undo(request: Request, auth: Auth, body: UndoIn) -> dict[str, Any]:
    """Take back a decision: its members return to where they were (audited)."""
    return views_review.undo(workbench(request), auth[0], body.decision, body.reason)


@router.get("/packages", response_model=Loose)
def packages(request: Request, auth: Auth) -> dict[str, Any]:
    """Built referral packages of the countries the user may see, and whether they may build."""
    return views_review.packages(workbench(request), auth[0])


@router.post("/packages/{country}", response_model=Loose)
def package_generate(
    request: Request,
    response: Response,
    auth: Auth,
    country: Country,
    background: Annotated[bool, Query(description="answer 202 at once; poll progress")] = False,
) -> dict[str, Any]:
    """Build a referral package for one country (that country's users only)."""
    if background:
        response.status_code = 202
    return views_review.generate(workbench(request), auth[0], country, background=background)


@router.get("/packages/{country}/progress", response_model=Loose)
def package_progress(request: Request, auth: Auth, country: Country) -> dict[str, Any]:
    """How far the country's running or last package build has got (that country's users)."""
    return views_review.progress(workbench(request), auth[0], country)


@router.get(
    "/packages/{country}/{build}/download",
    response_class=Response,
    responses={200: {"content": {"application/zip": {}}}},
)
def package_download(request: Request, auth: Auth, country: Country, build: str) -> Response:
    """A built referral package: its single file, or a zip of its files (audited)."""
    name, data, media_type = views_review.download(workbench(request), auth[0], country, build)
    return Response(
        data,
        media_type=media_type,
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


@router.get("/audit", response_model=Loose)
def audit_log(request: Request, auth: Auth) -> Any:
    """Audit entries, paged (admins: their agency's; coordinating agencies: all)."""
    return routes_find.audit_api(request, auth[0])
