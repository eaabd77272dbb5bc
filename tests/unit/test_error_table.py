"""The error table's classification of failures that are not domain errors: what is the client's fault (422), what
is an outage (503), what is a bug (500, without a trace), and the problems every operation documents."""

from __future__ import annotations

from collections.abc import Callable

import asyncpg
import httpx
import pytest
from fastapi import Body, FastAPI
from sqlalchemy.exc import DataError, IntegrityError, OperationalError, ProgrammingError
from starlette.exceptions import HTTPException

from lynriescoop.entrypoints.http.errors import (
    PROBLEM_JSON,
    install_error_handlers,
    is_database_outage,
    refused_value,
)


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


@pytest.mark.parametrize(
    "exc",
    [_wrapped(ProgrammingError, "42P01"), _wrapped(IntegrityError, "23505"), ValueError("x"), KeyError("k")],
    ids=lambda e: type(e).__name__,
)
def test_bugs_are_not_outages(exc: Exception) -> None:
    assert not is_database_outage(exc)
    assert refused_value(exc) is None


def test_refused_values_are_class_22() -> None:
    assert refused_value(_wrapped(DataError, "22021")) == "22021"  # NUL in text
    assert refused_value(_wrapped(DataError, "22008")) == "22008"  # datetime out of range
    assert refused_value(_wrapped(OperationalError, "22021")) is None  # an outage class wins


def _app() -> FastAPI:
    app = FastAPI()
    install_error_handlers(app)
    failures: dict[str, Exception] = {
        "nul": _wrapped(DataError, "22021"),
        "shutting-down": asyncpg.CannotConnectNowError("the database system is shutting down"),
        "bug": _wrapped(ProgrammingError, "42P01"),
        "overflow": OverflowError("date value out of range"),
        "unparsable": HTTPException(400, "There was an error parsing the body"),
    }

    @app.get("/fail/{name}")
    async def fail(name: str) -> None:
        raise failures[name]

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


def test_overload_is_503_not_500() -> None:
    from sqlalchemy.exc import TimeoutError as PoolTimeout

    from lynriescoop.entrypoints.http.errors import is_database_outage

    class LockNotAvailable(Exception):
        sqlstate = "55P03"

    assert is_database_outage(PoolTimeout("QueuePool limit reached"))
    assert is_database_outage(LockNotAvailable())
