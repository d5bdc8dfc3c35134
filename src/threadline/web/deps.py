"""Request dependencies shared by pages and API: the workbench, the signed-in user, CSRF."""

from __future__ import annotations

from urllib.parse import urlsplit

from fastapi import Request, Response

from threadline.web.errors import CsrfFailed, TooManyAttempts, Unauthenticated
from threadline.web.policy import User
from threadline.web.sessions import COOKIE, Session
from threadline.web.users import authenticate
from threadline.web.workbench import Workbench

SAFE = ("GET", "HEAD", "OPTIONS")


def workbench(request: Request) -> Workbench:
    """The workbench the app serves."""
    wb: Workbench = request.app.state.wb
    return wb


def session_of(request: Request) -> Session | None:
    """The request's live session, or None."""
    return workbench(request).sessions.get(request.cookies.get(COOKIE))


def signed_in(request: Request) -> tuple[User, Session]:
    """The signed-in user and their session; anyone else is refused."""
    s = session_of(request)
    if s is None or s.user is None:
        raise Unauthenticated("sign in first")
    return s.user, s


def same_origin(request: Request) -> bool:
    """Whether a request's ``Origin`` (else ``Referer``), when a browser sent one, is ours."""
    claimed = request.headers.get("origin") or request.headers.get("referer")
    if not claimed or claimed == "null":
        return claimed is None  # scripts send neither; an opaque "null" origin is refused
    url = urlsplit(claimed)
    scheme = "https" if over_tls(request) else request.url.scheme
    return (url.scheme, url.netloc) == (scheme, request.url.netloc)


async def csrf_guard(request: Request) -> None:
    """A state-changing request comes from our own pages and carries the session's CSRF token.

    The token (header or form field) proves the page was ours; the ``Origin``/``Referer``
    check refuses a request a foreign site made a signed-in browser send.
    """
    if request.method in SAFE:
        return
    if not same_origin(request):
        raise CsrfFailed("this request came from another site's page")
    token = request.headers.get("x-csrf-token")
    ctype = request.headers.get("content-type", "")
    if token is None and ctype.startswith(
        ("application/x-www-form-urlencoded", "multipart/form-data")
    ):
        form = await request.form()
        value = form.get("csrf_token")
        token = value if isinstance(value, str) else None
    s = session_of(request)
    if s is None or not s.csrf_ok(token):
        raise CsrfFailed("missing or wrong CSRF token: reload the page and try again")


def over_tls(request: Request) -> bool:
    """Whether the browser reached us over HTTPS (directly, or through a TLS proxy we trust)."""
    return request.url.scheme == "https" or workbench(request).behind_tls_proxy


def set_cookie(request: Request, response: Response, s: Session) -> None:
    """Set the session cookie: HttpOnly, SameSite=Strict, session-only; Secure over TLS.

    Over plain http on loopback a Secure cookie would never come back from scripts
    (httpx, requests), so the flag follows the connection.
    """
    response.set_cookie(
        COOKIE,
        s.sid,
        httponly=True,
        secure=over_tls(request),
        samesite="strict",
        path="/",
        max_age=None,
    )


def session_or_new(request: Request, response: Response) -> Session:
    """The visitor's session, or a new anonymous one (it carries the login form's CSRF token)."""
    s = session_of(request)
    if s is None:
        s = workbench(request).sessions.new()
        set_cookie(request, response, s)
    return s


def login(request: Request, response: Response, name: str, password: str) -> Session:
    """Check the password (rate-limited per address and per name); return a fresh session."""
    wb = workbench(request)
    ip = request.client.host if request.client else "unknown"
    account = name.strip().lower()
    wait = wb.limiter.retry_after(account, ip)
    if wait is not None:
        wb.audit_event("login:blocked", {"user": name[:64], "address": ip})
        raise TooManyAttempts(
            f"too many failed sign-ins; try again in {wait} s", headers={"Retry-After": str(wait)}
        )
    with wb.reader() as r:
        user, rehash = authenticate(r, name.strip(), password)
    if user is None:
        wb.limiter.failed(account, ip)
        wb.audit_event("login:failed", {"user": name[:64], "address": ip})
        raise Unauthenticated("wrong name or password")
    wb.limiter.succeeded(account)
    if rehash:
        wb.update_password_hash(user.name, rehash)
    old = session_of(request)
    if old is not None:
        wb.sessions.drop(old.sid)
    s = wb.sessions.new(user)
    set_cookie(request, response, s)
    wb.audit(user, "login", "session", user.name, address=ip)
    return s


def logout(request: Request, response: Response) -> None:
    """End the request's session (audited when signed in) and clear its cookie."""
    wb = workbench(request)
    s = session_of(request)
    if s is not None:
        if s.user is not None:
            wb.audit(s.user, "logout", "session", s.user.name)
        wb.sessions.drop(s.sid)
    response.delete_cookie(
        COOKIE, path="/", secure=over_tls(request), httponly=True, samesite="strict"
    )
