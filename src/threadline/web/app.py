"""The application factory: FastAPI with server-rendered pages and a JSON API under /api."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any, Literal
from urllib.parse import quote

from fastapi import Depends, FastAPI, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse
from fastapi.staticfiles import StaticFiles
from starlette.datastructures import MutableHeaders
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from threadline import __version__
from threadline.case import Case
from threadline.errors import CaseError, EngineError, ThreadlineError, UsageError
from threadline.store.web_pool import QueryTimeout
from threadline.web import api, pages, routes_find, routes_views
from threadline.web.deps import csrf_guard
from threadline.web.errors import WebError, code_for, payload
from threadline.web.policy import Policy, load_policy
from threadline.web.workbench import PackageBuilder, Workbench

log = logging.getLogger("threadline.web")
HERE = Path(__file__).parent
# No page may load or send anything anywhere but this server.
CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; "
    "connect-src 'self'; font-src 'self'; form-action 'self'; frame-ancestors 'none'; "
    "base-uri 'none'"
)
HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",  # no-referrer makes form posts send Origin: null
    "Cross-Origin-Opener-Policy": "same-origin",
    "Cross-Origin-Resource-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(), interest-cohort=()",
}


class SecurityHeaders:
    """Adds the CSP and the other security headers to every response (plain ASGI)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Pass the request on; every response but a static file's is also marked no-store."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        cacheable = str(scope.get("path", "")).startswith("/static/")

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for k, v in HEADERS.items():
                    if k not in headers:
                        headers[k] = v
                if not cacheable:
                    headers["Cache-Control"] = "no-store"
            await send(message)

        await self.app(scope, receive, send_with_headers)


def create_app(
    case: Case,
    *,
    read_only: bool = False,
    policy: Policy | None = None,
    package_builder: PackageBuilder | Literal["auto"] | None = "auto",
    time_limit_s: float = 10.0,
    pool_size: int = 8,
    behind_tls_proxy: bool = False,
) -> FastAPI:
    """A workbench over an open case (the app owns neither the case nor its closing)."""
    wb = Workbench(
        case,
        policy or load_policy(case.path),
        read_only=read_only,
        package_builder=package_builder,
        time_limit_s=time_limit_s,
        pool_size=pool_size,
        behind_tls_proxy=behind_tls_proxy,
    )
    app = FastAPI(
        title="Threadline workbench API",
        version=__version__,
        openapi_url="/api/openapi.json",
        docs_url=None,  # the stock docs pages load scripts from a CDN
        redoc_url=None,
        dependencies=[Depends(csrf_guard)],
    )
    app.state.wb = wb
    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")
    app.include_router(api.router)
    app.include_router(routes_find.api)
    app.include_router(pages.router)
    # -- analyst views (issue 20: evidence in context, link analysis, map, notes) --
    app.include_router(routes_views.api)
    app.include_router(routes_views.pages)
    app.include_router(routes_find.pages)

    app.add_middleware(SecurityHeaders)

    @app.exception_handler(WebError)
    async def web_error(request: Request, exc: WebError) -> Response:
        return _error(request, exc.status, exc.code, exc.message, exc.headers)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        return _error(request, exc.status_code, code_for(exc.status_code), str(exc.detail))

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, exc: RequestValidationError) -> Response:
        problems = "; ".join(
            f"{'.'.join(str(x) for x in e.get('loc', ()))}: {e.get('msg')}" for e in exc.errors()
        )
        return _error(request, 422, "invalid", problems or "invalid request")

    @app.exception_handler(ThreadlineError)
    async def threadline_error(request: Request, exc: ThreadlineError) -> Response:
        if isinstance(exc, QueryTimeout):
            return _error(request, 503, "timeout", "the query took too long; narrow it down")
        if isinstance(exc, UsageError):
            return _error(request, 400, "bad_request", str(exc))
        if isinstance(exc, CaseError):
            return _error(request, 404, "not_found", str(exc))
        if isinstance(exc, EngineError):
            log.error("engine error: %s", exc)
            return _error(request, 500, "internal", "the case store refused a query")
        return _error(request, 500, "internal", str(exc))

    @app.exception_handler(Exception)
    async def crash(request: Request, exc: Exception) -> Response:
        log.exception("unexpected error on %s", request.url.path)
        return _error(request, 500, "internal", "unexpected error (a bug: please report it)")

    return app


def _error(
    request: Request, status: int, code: str, message: str, headers: dict[str, str] | None = None
) -> Response:
    path = request.url.path
    if path.startswith("/api/") or path == "/api":
        return JSONResponse(payload(status, code, message), status_code=status, headers=headers)
    if status == 401:
        target = quote(path + (f"?{request.url.query}" if request.url.query else ""), safe="/?=&")
        return RedirectResponse(f"/login?next={target}", status_code=303)
    context: dict[str, Any] = {"status": status, "code": code, "message": message}
    return pages.render(request, "error.html", context, status=status, headers=headers)
