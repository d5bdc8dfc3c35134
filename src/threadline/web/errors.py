"""The web layer's errors and its one JSON error shape.

Every API error is ``{"error": {"status": 403, "code": "forbidden", "message": "..."}}``.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel


class ErrorBody(BaseModel):
    """What went wrong: the HTTP status, a short code and a message for the user."""

    status: int
    code: str
    message: str


class ErrorResponse(BaseModel):
    """The JSON body of every API error."""

    error: ErrorBody


class WebError(Exception):
    """A refusal with its HTTP status and code, answered as JSON under /api, else as a page."""

    status = 500
    code = "internal"

    def __init__(self, message: str, *, headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.headers = headers or {}


class BadRequest(WebError):
    """The request is wrong or cannot be served as asked (400)."""

    status = 400
    code = "bad_request"


class Unauthenticated(WebError):
    """Not signed in, or a wrong name or password (401)."""

    status = 401
    code = "unauthenticated"


class Forbidden(WebError):
    """The case's policy or the user's role does not allow this (403)."""

    status = 403
    code = "forbidden"


class CsrfFailed(Forbidden):
    """A state-changing request without the session's CSRF token (403)."""

    code = "csrf"


class ReadOnly(Forbidden):
    """A change asked of a workbench that serves the case read-only (403)."""

    code = "read_only"


class NotFound(WebError):
    """What the request names cannot be found (404)."""

    status = 404
    code = "not_found"


class Conflict(WebError):
    """The request collides with work already under way (409), e.g. a package being built."""

    status = 409
    code = "conflict"


class TooManyAttempts(WebError):
    """Too many failed sign-ins from one address or for one name (429)."""

    status = 429
    code = "rate_limited"


class NotAvailable(WebError):
    """A feature this installation of Threadline does not have (503)."""

    status = 503
    code = "not_available"


CODES = {
    400: "bad_request",
    401: "unauthenticated",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "too_large",
    422: "invalid",
    429: "rate_limited",
    503: "not_available",
}


def payload(status: int, code: str, message: str) -> dict[str, Any]:
    """The JSON error shape for one error."""
    return {"error": {"status": status, "code": code, "message": message}}


def code_for(status: int) -> str:
    """The error code for an HTTP status: ``internal`` for an unlisted 5xx, else ``error``."""
    return CODES.get(status, "internal" if status >= 500 else "error")


# Documented on every API route in the OpenAPI schema.
RESPONSES: dict[int | str, dict[str, Any]] = {
    s: {"model": ErrorResponse, "description": code_for(s)} for s in (401, 403, 404, 422)
}


class ReadsThrottled(TooManyAttempts):
    """Too many reads of stored records in a short time by one user (429)."""
