"""The one error table: every failure leaves as application/problem+json with a stable ``code``."""

from __future__ import annotations

import logging
from typing import Any

import asyncpg  # type: ignore[import-untyped]
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
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
    if isinstance(error, de.TooManyAttempts):
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


# InternalClientError: asyncpg's protocol state breaks when the server drops a connection in the middle of an
# operation (seen as "cannot switch to state 15" in the pool's pre-ping while the server shuts down); SQLAlchemy
# passes it on raw.
OUTAGE_ERRORS = frozenset(
    {"CannotConnectNowError", "ConnectionDoesNotExistError", "TooManyConnectionsError", "InternalClientError"}
)
# SQLSTATE class 08 (connection exception) and 57P01..57P03 (admin shutdown, crash shutdown, cannot connect now);
# 55P03 (lock_timeout: a lock queue longer than ``lock_timeout``) and 57014 (statement cancelled) are overload.
OUTAGE_SQLSTATES = ("08", "57P01", "57P02", "57P03", "55P03", "57014")


def is_database_outage(exc: BaseException) -> bool:
    """Connection-level failures: the database is down or unreachable, not a bug in a statement."""
    if isinstance(exc, OperationalError | InterfaceError):
        return True
    if isinstance(exc, DBAPIError) and exc.connection_invalidated:
        return True
    if isinstance(exc, ConnectionError | TimeoutError | OSError | PoolTimeout):
        # PoolTimeout: every pooled connection stayed busy for DB_POOL_TIMEOUT_SECONDS (overload, not a bug).
        return True
    # The driver's own exceptions, wrapped by SQLAlchemy (``orig``) or raw: asyncpg errors raised while a pooled
    # connection is being opened reach us unwrapped (e.g. CannotConnectNowError while the server shuts down).
    orig = getattr(exc, "orig", None)
    for candidate in (exc, orig, getattr(orig, "__cause__", None)):
        if candidate is None:
            continue
        if type(candidate).__name__ in OUTAGE_ERRORS:
            return True
        sqlstate = getattr(candidate, "sqlstate", None)
        if isinstance(sqlstate, str) and sqlstate.startswith(OUTAGE_SQLSTATES):
            return True
    return False


# SQLSTATE class 22 ("data exception"): a value from the request the database refuses to hold, such as a NUL
# character in text (22021), or a number or date out of the column's range (22003, 22008).
DATA_EXCEPTION_CLASS = "22"


def refused_value(exc: BaseException) -> str | None:
    """The SQLSTATE when the database refused a value of the request (a client error), else None."""
    if not isinstance(exc, DBAPIError) or isinstance(exc, OperationalError | InterfaceError):
        return None
    sqlstate = getattr(exc.orig, "sqlstate", None)
    if isinstance(sqlstate, str) and sqlstate.startswith(DATA_EXCEPTION_CLASS):
        return sqlstate
    return None


async def _on_value_out_of_range(request: Request, exc: Exception) -> JSONResponse:
    """Arithmetic on a request's value went past what Python can represent, typically a date at the very end of
    the calendar (``?date=9999-12-31`` has no next day). The request asked for the impossible: 422."""
    logger.warning("value out of range on %s %s: %s", request.method, request.url.path, exc)
    detail = "A date, time or number is out of the range the service can work with."
    errors = [{"loc": ["request"], "msg": detail, "type": "value_out_of_range"}]
    return problem(422, "validation_error", "The request is malformed.", errors=errors)


def _database_outage_response(exc: BaseException) -> JSONResponse:
    logger.warning("database unavailable: %s", type(exc).__name__)
    return problem(
        503,
        "database_unavailable",
        "The database is unavailable; try again shortly.",
        headers={"Retry-After": "2"},
    )


async def _on_database_error(request: Request, exc: Exception) -> JSONResponse:
    """Database and connection errors that are not bugs: a refused value (422) or an outage (503). Answered here
    rather than by the catch-all, which re-raises to the server after answering (a traceback in the log per
    request). Anything else goes on to the catch-all."""
    sqlstate = refused_value(exc)
    if sqlstate is not None:
        logger.warning("value refused by the database on %s %s: %s", request.method, request.url.path, sqlstate)
        detail = "A value cannot be stored: text must not contain NUL characters, numbers and dates must be in range."
        errors = [{"loc": ["request"], "msg": detail, "type": "value_refused"}]
        return problem(422, "validation_error", "The request is malformed.", errors=errors)
    if is_database_outage(exc):
        return _database_outage_response(exc)
    raise exc


async def _on_unhandled(request: Request, exc: Exception) -> JSONResponse:
    if is_database_outage(exc):
        return _database_outage_response(exc)
    logger.exception("unhandled error on %s %s", request.method, request.url.path)
    return problem(500, "internal_error", "An unexpected error occurred.")


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(de.DomainError, _on_domain_error)
    app.add_exception_handler(RequestValidationError, _on_validation_error)
    app.add_exception_handler(StarletteHTTPException, _on_http_exception)
    app.add_exception_handler(OverflowError, _on_value_out_of_range)
    app.add_exception_handler(DBAPIError, _on_database_error)
    app.add_exception_handler(OSError, _on_database_error)  # connection refused or reset, time-outs
    app.add_exception_handler(asyncpg.PostgresError, _on_database_error)  # raised unwrapped while connecting
    app.add_exception_handler(asyncpg.InterfaceError, _on_database_error)
    app.add_exception_handler(asyncpg.InternalClientError, _on_database_error)
    app.add_exception_handler(Exception, _on_unhandled)
    _document_common_problems(app)


# Shared OpenAPI description of the problem responses, so every route documents its error codes.
PROBLEM_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["type", "title", "status", "detail", "code"],
    "properties": {
        "type": {"type": "string"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string"},
        "code": {"type": "string"},
        "errors": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    "loc": {"type": "array", "items": {"anyOf": [{"type": "string"}, {"type": "integer"}]}},
                    "msg": {"type": "string"},
                    "type": {"type": "string"},
                },
            },
        },
        "seat_ids": {"type": "array", "items": {"type": "string"}},
        "seat_labels": {
            "type": "array",
            "items": {"type": "string"},
            "description": "`single_seat_gap`: the seats the request would leave alone; "
            "`companion_needs_wheelchair`: the companion seats asked without their wheelchair space",
        },
        "available_seats": {"type": "integer", "description": "`no_adjacent_seats`: how many seats are free"},
    },
}


def problems(*entries: tuple[int, str]) -> dict[int | str, dict[str, Any]]:
    """OpenAPI ``responses`` for a route: ``problems((404, "movie_not_found"), (409, "tmdb_id_taken"))``.

    Codes sharing a status are listed together in the description.
    """
    by_status: dict[int, list[str]] = {}
    for status, code in entries:
        by_status.setdefault(status, []).append(code)
    return {
        status: {
            "description": f"{TITLES.get(status, 'Error')}: " + ", ".join(f"`{c}`" for c in codes),
            "content": {PROBLEM_JSON: {"schema": PROBLEM_SCHEMA}},
        }
        for status, codes in by_status.items()
    }


# Problems any operation can meet, whatever its own ``responses=`` say: documented on every operation so the
# OpenAPI document lists every status the app really sends (the schema fuzzing test holds it to that).
NO_DATABASE_PATHS = frozenset({"/healthz", "/readyz", "/metrics"})


def _add_problem(operation: dict[str, Any], status: int, code: str) -> None:
    responses: dict[str, Any] = operation.setdefault("responses", {})
    key = str(status)
    entry = responses.get(key)
    if entry is None or PROBLEM_JSON not in entry.get("content", {}):
        # Absent, or FastAPI's own 422 (application/json ``HTTPValidationError``), which this app never sends.
        responses[key] = problems((status, code))[status]
    elif f"`{code}`" not in entry.get("description", ""):
        entry["description"] = f"{entry['description']}, `{code}`"


def document_common_problems(schema: dict[str, Any]) -> dict[str, Any]:
    """Adds to every operation of an OpenAPI document the problems the app sends everywhere: 422
    ``validation_error`` where there is input to validate, 413 ``payload_too_large`` where there is a body, 503
    ``database_unavailable`` where the database is used. Drops FastAPI's unused validation schemas."""
    for path, methods in schema.get("paths", {}).items():
        for operation in methods.values():
            if not isinstance(operation, dict) or "responses" not in operation:
                continue
            if operation.get("parameters") or operation.get("requestBody"):
                _add_problem(operation, 422, "validation_error")
            if operation.get("requestBody"):
                _add_problem(operation, 413, "payload_too_large")
            if path not in NO_DATABASE_PATHS:
                _add_problem(operation, 503, "database_unavailable")
    components = schema.get("components", {}).get("schemas", {})
    for unused in ("HTTPValidationError", "ValidationError"):
        if unused in components and f"#/components/schemas/{unused}" not in str(schema.get("paths")):
            del components[unused]
    return schema


def _document_common_problems(app: FastAPI) -> None:
    build = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = document_common_problems(build())
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
