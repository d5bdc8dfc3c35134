"""The web layer's errors and its one JSON error shape.

Every API error is ``{"error": {"status": 403, "code": "forbidden", "message": "..."}}``.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel


class ErrorBody(BaseModel):
    status: int
    code: str
    message: str


class ErrorResponse(BaseModel):
    error: ErrorBody


class WebError(Exception):
    status = 500
    code = "internal"

    def __init__(self, message: str, *, headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.headers = headers or {}


class BadRequest(WebError):
    status = 400
    code = "bad_request"


class Unauthenticated(WebError):
    status = 401
    code = "unauthenticated"


class Forbidden(WebError):
    status = 403
    code = "forbidden"


class CsrfFailed(Forbidden):
    code = "csrf"


class ReadOnly(Forbidden):
    code = "read_only"


class NotFound(WebError):
    status = 404
    code = "not_found"


class TooManyAttempts(WebError):
    status = 429
    code = "rate_limited"


class NotAvailable(WebError):
    status = 503
    code = "not_available"


CODES = {
    400: "bad_request",
    401: "unauthenticated",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    413: "too_large",
    422: "invalid",
    429: "rate_limited",
    503: "not_available",
}


def payload(status: int, code: str, message: str) -> dict[str, Any]:
    return {"error": {"status": status, "code": code, "message": message}}


def code_for(status: int) -> str:
    return CODES.get(status, "internal" if status >= 500 else "error")


# Documented on every API route in the OpenAPI schema.
RESPONSES: dict[int | str, dict[str, Any]] = {
    s: {"model": ErrorResponse, "description": code_for(s)} for s in (401, 403, 404, 422)
}
