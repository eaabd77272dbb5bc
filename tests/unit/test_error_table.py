"""Failures that are not the domain's own: the postgres adapter classifies the database's (what is the client's
fault, 422; what is an outage or overload, 503; what is a bug, 500 without a trace) and raises them as domain errors
from the unit of work, so the HTTP error table only maps domain errors; and the problems every operation documents."""

from __future__ import annotations

from collections.abc import Callable

import asyncpg
import httpx
import pytest
from fastapi import Body, FastAPI
from sqlalchemy.exc import DataError, IntegrityError, OperationalError, ProgrammingError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlalchemy.ext.asyncio import create_async_engine
from starlette.exceptions import HTTPException

from lynriescoop.adapters.postgres.engine import make_session_factory
from lynriescoop.adapters.postgres.errors import is_database_outage, refused_value, translate_database_error
from lynriescoop.adapters.postgres.unit_of_work import PostgresUnitOfWork
from lynriescoop.application.delivery.routing import route_event
from lynriescoop.domain.errors import DatabaseUnavailable, ValueRefused
from lynriescoop.entrypoints.http.errors import PROBLEM_JSON, install_error_handlers
from lynriescoop.entrypoints.http.openapi_problems import install_problem_docs


class _Orig(Exception):
    def __init__(self, sqlstate: str) -> None:
        super().__init__(f"SQLSTATE {sqlstate}")
        self.sqlstate = sqlstate


def _wrapped(kind: Callable[..., Exception], sqlstate: str) -> Exception:
    return kind("SELECT 1", {}, _Orig(sqlstate))


@pytest.mark.parametrize(
    "exc",
    [
        asyncpg.CannotConnectNowError("the database system is shutting down"),
        asyncpg.ConnectionDoesNotExistError("connection was closed in the middle of operation"),
        asyncpg.InternalClientError("cannot switch to state 15; another operation (2) is in progress"),
        ConnectionRefusedError(111, "refused"),
        FileNotFoundError(2, "no socket"),
        TimeoutError(),
        _wrapped(OperationalError, "57P01"),
        _wrapped(DataError, "08006"),
    ],
    ids=lambda e: type(e).__name__,
)
def test_outages(exc: Exception) -> None:
    assert is_database_outage(exc)
    assert refused_value(exc) is None
    assert isinstance(translate_database_error(exc), DatabaseUnavailable)


@pytest.mark.parametrize(
    "exc",
    [_wrapped(ProgrammingError, "42P01"), _wrapped(IntegrityError, "23505"), ValueError("x"), KeyError("k")],
    ids=lambda e: type(e).__name__,
)
def test_bugs_are_not_outages(exc: Exception) -> None:
    assert not is_database_outage(exc)
    assert refused_value(exc) is None
    assert translate_database_error(exc) is None


def test_refused_values_are_class_22() -> None:
    assert refused_value(_wrapped(DataError, "22021")) == "22021"  # NUL in text
    assert refused_value(_wrapped(DataError, "22008")) == "22008"  # datetime out of range
    assert refused_value(_wrapped(OperationalError, "22021")) is None  # an outage class wins
    assert isinstance(translate_database_error(_wrapped(DataError, "22021")), ValueRefused)
    assert isinstance(translate_database_error(_wrapped(OperationalError, "22021")), DatabaseUnavailable)


class LockNotAvailable(Exception):
    sqlstate = "55P03"  # lock_timeout: a lock queue longer than the database lets a statement wait


def _app() -> FastAPI:
    """Database failures raised inside a real PostgreSQL unit of work (its engine is never reached: no statement
    runs), the others raised as they are."""
    app = FastAPI()
    install_error_handlers(app)
    install_problem_docs(app)
    unreachable = create_async_engine("postgresql+asyncpg://nobody@127.0.0.1:9/none")
    database_failures: dict[str, Exception] = {
        "nul": _wrapped(DataError, "22021"),
        "shutting-down": asyncpg.CannotConnectNowError("the database system is shutting down"),
        "pool-exhausted": PoolTimeout("QueuePool limit of size 10 overflow 10 reached"),
        "lock-queue": LockNotAvailable(),
        "bug": _wrapped(ProgrammingError, "42P01"),
    }
    failures: dict[str, Exception] = {
        "overflow": OverflowError("date value out of range"),
        "unparsable": HTTPException(400, "There was an error parsing the body"),
    }

    @app.get("/fail/{name}")
    async def fail(name: str) -> None:
        if name in failures:
            raise failures[name]
        async with PostgresUnitOfWork(make_session_factory(unreachable), route_event):
            raise database_failures[name]

    @app.post("/echo", responses={})
    async def echo(body: dict[str, int] = Body()) -> dict[str, int]:
        return body

    return app


@pytest.mark.parametrize(
    ("name", "status", "code"),
    [
        ("nul", 422, "validation_error"),
        ("overflow", 422, "validation_error"),
        ("unparsable", 422, "validation_error"),
        ("shutting-down", 503, "database_unavailable"),
        ("pool-exhausted", 503, "database_unavailable"),  # overload is 503, not 500
        ("lock-queue", 503, "database_unavailable"),
        ("bug", 500, "internal_error"),
    ],
)
async def test_answers(name: str, status: int, code: str) -> None:
    transport = httpx.ASGITransport(app=_app(), raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        response = await client.get(f"/fail/{name}")
    assert response.status_code == status
    assert response.headers["content-type"] == PROBLEM_JSON
    assert response.json()["code"] == code
    assert ("retry-after" in response.headers) == (status == 503)
    for leak in ("Traceback", "SELECT", "42P01", "sqlalchemy", "asyncpg"):
        assert leak not in response.text


def test_every_operation_documents_the_common_problems() -> None:
    schema = _app().openapi()
    echo = schema["paths"]["/echo"]["post"]["responses"]
    assert set(echo) == {"200", "413", "422", "503"}
    for status in ("413", "422", "503"):
        assert PROBLEM_JSON in echo[status]["content"], status
    assert "`validation_error`" in echo["422"]["description"]
    assert "`database_unavailable`" in echo["503"]["description"]
    assert "HTTPValidationError" not in schema.get("components", {}).get("schemas", {})
    assert "413" not in schema["paths"]["/fail/{name}"]["get"]["responses"]  # no body, no 413


def test_overload_is_an_outage() -> None:
    assert isinstance(translate_database_error(PoolTimeout("QueuePool limit reached")), DatabaseUnavailable)
    assert isinstance(translate_database_error(LockNotAvailable()), DatabaseUnavailable)
