"""Errors as RFC 9457 problem details (``application/problem+json``) naming the field.

orgmind's error tree maps onto status codes: bad input 422 (with ``field`` and ``reason``),
a body that cannot be parsed at all 400, unknown ids 404, a write that lost a race (an escalation resolved meanwhile) 409, a missing or unknown key 401, a key without the venture or scope 403, stores
not ready 503. ``error`` names the orgmind exception class so clients can raise the same one.
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from starlette.exceptions import HTTPException

from orgmind.errors import (
    AuthenticationFailed,
    Conflict,
    InvalidInput,
    NotFound,
    OrgmindError,
    PermissionDenied,
    StoreUnavailable,
)

log = logging.getLogger(__name__)

PROBLEM_JSON = "application/problem+json"


class Problem(BaseModel):
    """An RFC 9457 problem: ``field`` and ``reason`` are set for bad input."""

    type: str
    title: str
    status: int
    detail: str
    instance: str | None = None
    error: str
    field: str | None = None
    reason: str | None = None


STATUS: list[tuple[type[OrgmindError], int, str]] = [
    (InvalidInput, 422, "Invalid input"),
    (NotFound, 404, "Not found"),
    (Conflict, 409, "Conflict"),
    (AuthenticationFailed, 401, "Authentication required"),
    (PermissionDenied, 403, "Permission denied"),
    (StoreUnavailable, 503, "Service unavailable"),
]

PROBLEM_RESPONSES: dict[int | str, dict[str, Any]] = {
    status: {"model": Problem, "description": title, "content": {PROBLEM_JSON: {}}}
    for status, title in [(400, "Malformed request body"), *((status, title) for _, status, title in STATUS)]
}


def problem(request: Request, status: int, title: str, error: str, detail: str, **extra: Any) -> JSONResponse:
    body = Problem(type=f"urn:orgmind:problem:{error}", title=title, status=status, detail=detail,
                   instance=request.url.path, error=error, **extra)
    headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
    return JSONResponse(body.model_dump(exclude_none=True), status_code=status, media_type=PROBLEM_JSON,
                        headers=headers)


def _orgmind_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, OrgmindError)
    for cls, status, title in STATUS:
        if isinstance(exc, cls):
            extra = {"field": exc.field, "reason": exc.reason} if isinstance(exc, InvalidInput) else {}
            return problem(request, status, title, type(exc).__name__, str(exc), **extra)
    log.error("unexpected orgmind error on %s", request.url.path, exc_info=exc)
    return problem(request, 500, "Internal error", type(exc).__name__, str(exc))


def _validation_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    first = exc.errors()[0] if exc.errors() else {"loc": (), "msg": "invalid request"}
    loc = [str(part) for part in first.get("loc", ()) if part not in ("body", "query", "path", "header")]
    field = ".".join(loc) or "(body)"
    reason = "unknown field" if first.get("type") == "extra_forbidden" else str(first.get("msg"))
    route = request.scope.get("route")
    error = "InvalidRecord" if "records" in getattr(route, "tags", ()) else "InvalidArgument"
    return problem(request, 422, "Invalid input", error, f"{field}: {reason}", field=field, reason=reason)


def _http_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, HTTPException)
    return problem(request, exc.status_code, str(exc.detail), "HTTPError", str(exc.detail))


def install(app: FastAPI) -> None:
    """Register the handlers that turn errors into problem details."""
    app.add_exception_handler(OrgmindError, _orgmind_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(HTTPException, _http_error)
