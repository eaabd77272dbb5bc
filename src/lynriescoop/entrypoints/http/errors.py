"""The one error table: every failure leaves as application/problem+json with a stable ``code``.

Domain errors map to a status by their kind (``STATUS_BY_KIND``); the adapters have already turned the failures of
the outside world into domain errors (a database outage is ``DatabaseUnavailable``, see
``adapters/postgres/errors.py``), so nothing here knows a driver. How the routes *document* these problems in
OpenAPI lives next door, in ``openapi_problems.py``.
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from lynriescoop.domain import errors as de

logger = logging.getLogger(__name__)

PROBLEM_JSON = "application/problem+json"

# Domain error kind -> HTTP status. The most specific class wins (checked in MRO order).
STATUS_BY_KIND: dict[type[de.DomainError], int] = {
    de.NotFound: 404,
    de.Conflict: 409,
    de.RuleViolated: 422,
    de.NotAuthenticated: 401,
    de.InvalidCredentials: 401,
    de.Forbidden: 403,
    de.TooManyAttempts: 429,
    de.Unavailable: 503,
    de.UpstreamError: 502,
}

TITLES = {
    400: "Bad Request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not Found",
    405: "Method Not Allowed",
    409: "Conflict",
    413: "Payload Too Large",
    422: "Unprocessable Content",
    429: "Too Many Requests",
    500: "Internal Server Error",
    502: "Bad Gateway",
    503: "Service Unavailable",
}

HTTP_CODES = {
    400: "bad_request",
    401: "not_authenticated",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    406: "not_acceptable",
    413: "payload_too_large",
    415: "unsupported_media_type",
    429: "too_many_attempts",
}


def status_for(error: de.DomainError) -> int:
    for kind in type(error).__mro__:
        if kind in STATUS_BY_KIND:
            return STATUS_BY_KIND[kind]
    return 400


def problem(
    status: int,
    code: str,
    detail: str,
    *,
    headers: dict[str, str] | None = None,
    **extra: Any,
) -> JSONResponse:
    body: dict[str, Any] = {
        "type": f"https://lynriescoop.dev/problems/{code.replace('_', '-')}",
        "title": TITLES.get(status, "Error"),
        "status": status,
        "detail": detail,
        "code": code,
        **extra,
    }
    return JSONResponse(body, status_code=status, headers=headers, media_type=PROBLEM_JSON)


def domain_error_response(error: de.DomainError) -> JSONResponse:
    status = status_for(error)
    headers: dict[str, str] = {}
    if status == 401:
        headers["WWW-Authenticate"] = "Bearer"
    if isinstance(error, de.TooManyAttempts | de.ServiceBusy | de.DatabaseUnavailable):
        headers["Retry-After"] = str(error.retry_after)
    extra = {k: v for k, v in error.extra.items() if k != "retry_after"}
    return problem(status, error.code, error.detail, headers=headers or None, **extra)


def _loc(loc: tuple[int | str, ...]) -> list[int | str]:
    return list(loc)


async def _on_domain_error(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, de.DomainError)
    return domain_error_response(exc)


async def _on_validation_error(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    errors = [
        {"loc": _loc(tuple(e.get("loc", ()))), "msg": str(e.get("msg", "")), "type": str(e.get("type", ""))}
        for e in exc.errors()
    ]
    return problem(422, "validation_error", "The request is malformed.", errors=errors)


async def _on_http_exception(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    if exc.status_code == 400:
        # FastAPI's "There was an error parsing the body" (bytes that are not text, a broken form): for this API a
        # body that cannot be read is a malformed request like any other, 422 ``validation_error``.
        errors = [{"loc": ["body"], "msg": "The body could not be parsed.", "type": "body_unparsable"}]
        return problem(422, "validation_error", "The request is malformed.", errors=errors)
    code = HTTP_CODES.get(exc.status_code, "error")
    detail = exc.detail if isinstance(exc.detail, str) else TITLES.get(exc.status_code, "Error")
    if exc.status_code == 404 and detail == "Not Found":
        detail = "No such resource."
    headers = dict(exc.headers) if exc.headers else None
    return problem(exc.status_code, code, detail, headers=headers)


async def _on_value_out_of_range(request: Request, exc: Exception) -> JSONResponse:
    """Arithmetic on a request's value went past what Python can represent, typically a date at the very end of
    the calendar (``?date=9999-12-31`` has no next day). The request asked for the impossible: 422."""
    logger.warning("value out of range on %s %s: %s", request.method, request.url.path, exc)
    detail = "A date, time or number is out of the range the service can work with."
    errors = [{"loc": ["request"], "msg": detail, "type": "value_out_of_range"}]
    return problem(422, "validation_error", "The request is malformed.", errors=errors)


async def _on_unhandled(request: Request, exc: Exception) -> JSONResponse:
    logger.exception("unhandled error on %s %s", request.method, request.url.path)
    return problem(500, "internal_error", "An unexpected error occurred.")


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(de.DomainError, _on_domain_error)
    app.add_exception_handler(RequestValidationError, _on_validation_error)
    app.add_exception_handler(StarletteHTTPException, _on_http_exception)
    app.add_exception_handler(OverflowError, _on_value_out_of_range)
    app.add_exception_handler(Exception, _on_unhandled)
