"""Schema fuzzing: schemathesis drives every operation of the app's own ``/openapi.json`` in-process (ASGI), on the
test database with a seeded catalogue, once as a customer and once as a manager.

Checked on every generated request, valid or not:
* no 5xx (``not_a_server_error``);
* the status code is one the operation documents, and the body matches the documented schema and content type;
* every error is ``application/problem+json`` whose ``status`` is the response's and whose ``code`` is a stable
  snake_case string, and no body leaks a stack trace or SQL.

Path parameters and booking bodies are steered towards the seeded ids part of the time, so the fuzzer reaches
past "404, no such id" into the real rules. TMDB is the local fake, so its routes answer for real. Bounded by
``max_examples`` per operation (the whole module runs in about a minute).
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from uuid import uuid4

import argon2
import pytest
import schemathesis
from dependency_injector import providers
from fastapi import FastAPI
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)
from sqlalchemy import insert, text
from sqlalchemy.ext.asyncio import AsyncEngine

from lynriescoop.adapters.postgres import tables as t
from lynriescoop.adapters.postgres.tables import metadata
from lynriescoop.adapters.security.argon2_hasher import Argon2PasswordHasher
from lynriescoop.adapters.security.jwt_tokens import JwtTokenService
from lynriescoop.domain.users import Role
from lynriescoop.entrypoints.container import build_container
from lynriescoop.entrypoints.http.app import create_app
from lynriescoop.settings import Settings
from tests.factories import build_world, make_user, put_in_postgres
from tests.fakes.tmdb import API_KEY, FakeTmdb

pytestmark = [pytest.mark.postgres]

PASSWORD = "fuzz-password-42"
JWT_SECRET = "fuzz-secret-" + "x" * 40
# Deeper local runs: FUZZ_EXAMPLES=500 FUZZ_RANDOM=1 make test PYTEST_ARGS=tests/e2e/test_schema_fuzz.py
EXAMPLES_PER_OPERATION = int(os.environ.get("FUZZ_EXAMPLES", "75"))
DERANDOMIZE = os.environ.get("FUZZ_RANDOM", "") != "1"
TABLES = ", ".join(f'"{t.name}"' for t in metadata.sorted_tables)
CODE = re.compile(r"^[a-z][a-z0-9_]*$")
LEAKS = ("Traceback", "sqlalchemy", "asyncpg", "SELECT ", "psycopg", 'File "')


# The seeded catalogue: ids fixed at import, so the generators below can steer towards them.
WORLD = build_world(rows=4, per_row=8)
SECOND_SHOWING_ID = uuid4()
USERS = {
    "user": make_user("fuzz-user@example.com"),
    "manager": make_user("fuzz-manager@example.com", role=Role.MANAGER),
}


@pytest.fixture(scope="module")
async def seeded(db_engine: AsyncEngine) -> None:
    """Empty tables, then the catalogue (a movie, a room, two showings) and a customer and a manager."""
    async with db_engine.begin() as conn:
        await conn.execute(text(f"TRUNCATE {TABLES} RESTART IDENTITY CASCADE"))
    password_hash = argon2.PasswordHasher(time_cost=1, memory_cost=1024).hash(PASSWORD)
    for user in USERS.values():
        user.password_hash = password_hash
    WORLD.users = dict(USERS)
    await put_in_postgres(db_engine, WORLD)
    start = WORLD.showing.end_time + timedelta(days=1)
    async with db_engine.begin() as conn:
        await conn.execute(
            insert(t.showings).values(
                id=SECOND_SHOWING_ID,
                movie_id=WORLD.movie.id,
                room_id=WORLD.room.id,
                start_time=start,
                end_time=start + timedelta(minutes=WORLD.movie.runtime),
                price=WORLD.showing.price,
                prices={},
                status="scheduled",
            )
        )


@pytest.fixture(scope="module")
def fake_tmdb() -> Iterator[FakeTmdb]:
    with FakeTmdb() as fake:
        yield fake


@pytest.fixture
def fuzz_app(seeded: None, database_url: str, fake_tmdb: FakeTmdb, tmp_path: Path) -> FastAPI:
    """A fresh app per operation: schemathesis runs its lifespan on its own event-loop thread and ends it with
    the test (its pytest plugin does), so nothing the lifespan closed is reused."""
    app_settings = Settings(
        _env_file=None,
        database_url=database_url,
        mqtt_url=None,
        data_dir=tmp_path,
        mail_dir=tmp_path / "mail",
        jwt_secret=JWT_SECRET,
        seed_on_start=False,
        log_level="CRITICAL",
        tmdb_base_url=fake_tmdb.url,
        tmdb_api_key=API_KEY,
        login_max_failures=1000,  # so the fuzzer's logins reach the password check rather than the throttle
        login_max_failures_per_client=1000,
    )
    container = build_container(app_settings)
    container.password_hasher.override(providers.Singleton(Argon2PasswordHasher, time_cost=1, memory_cost=1024))
    return create_app(app_settings, container)


@pytest.fixture(scope="module")
def tokens() -> dict[str, str]:
    """Access tokens of the seeded customer and manager, signed with the app's secret."""
    issuer = JwtTokenService(JWT_SECRET, issuer="lynriescoop", access_minutes=60)
    now = datetime.now(UTC)
    return {key: issuer.issue_access(user.id, user.role, now).token for key, user in USERS.items()}


def _documented_schema() -> dict[str, Any]:
    """The app's own OpenAPI document (building the app connects to nothing)."""
    placeholder = Settings(_env_file=None, database_url="postgresql+asyncpg://nobody@127.0.0.1:1/none")
    return create_app(placeholder).openapi()


schema = schemathesis.openapi.from_dict(_documented_schema())
KNOWN: dict[str, list[str]] = {
    "movie_id": [str(WORLD.movie.id)],
    "room_id": [str(WORLD.room.id)],
    "showing_id": [str(WORLD.showing.id), str(SECOND_SHOWING_ID)],
    "seat_id": [str(s) for s in WORLD.seat_ids[:3]],
}


@schema.hook
def flatmap_path_parameters(_: Any, path_parameters: dict[str, Any] | None) -> Any:
    """Half the time, the seeded ids instead of random ones: the fuzzer then meets the real rules."""
    if not path_parameters:
        return st.just(path_parameters)
    swaps = {name: st.sampled_from(KNOWN[name]) for name in path_parameters if name in KNOWN}
    if not swaps:
        return st.just(path_parameters)
    return st.one_of(st.just(path_parameters), st.fixed_dictionaries(swaps).map(lambda s: {**path_parameters, **s}))


@schema.hook
def flatmap_case(_: Any, case: schemathesis.Case) -> Any:
    """Valid booking requests: sometimes a seeded showing and real seats of its room (negative cases stay as
    generated, so they stay invalid)."""
    if (
        case.method.upper() != "POST"
        or case.operation.path != "/bookings"
        or case.meta is None
        or case.meta.generation.mode is not GenerationMode.POSITIVE
        or not isinstance(case.body, dict)
    ):
        return st.just(case)
    seats = st.lists(st.sampled_from([str(s) for s in WORLD.seat_ids]), min_size=1, max_size=4, unique=True)
    real = st.fixed_dictionaries({"showing_id": st.sampled_from(KNOWN["showing_id"]), "seat_ids": seats})

    def steer(values: dict[str, Any]) -> schemathesis.Case:
        case.body = {**case.body, **values}
        return case

    return st.one_of(st.just(case), real.map(steer))


def problem_json_with_code(response: Any, case: schemathesis.Case) -> None:
    """Every error is problem+json with the response's status and a snake_case ``code``, and leaks nothing (only
    errors are searched: a 2xx may rightly echo a title that happens to say SELECT)."""
    if response.status_code < 400:
        return
    for leak in LEAKS:
        assert leak not in response.text, f"{case.method} {case.path}: the body leaks {leak!r}"
    content_type = (response.headers.get("content-type") or [""])[0]
    assert content_type == "application/problem+json", f"error {response.status_code} is {content_type}"
    body = response.json()
    assert isinstance(body, dict), body
    assert body.get("status") == response.status_code, body
    assert isinstance(body.get("code"), str) and CODE.match(body["code"]), body
    for field in ("type", "title", "detail"):
        assert isinstance(body.get(field), str), body


CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]
FUZZ_SETTINGS = settings(
    max_examples=EXAMPLES_PER_OPERATION,
    deadline=None,
    derandomize=DERANDOMIZE,
    database=None,
    suppress_health_check=list(HealthCheck),
)


def run_case(case: schemathesis.Case, app: FastAPI, token: str) -> None:
    response = case.call(app=app, headers={"Authorization": f"Bearer {token}"})
    case.validate_response(response, checks=CHECKS, headers={"Authorization": f"Bearer {token}"})
    problem_json_with_code(response, case)


@schema.parametrize()
@FUZZ_SETTINGS
def test_as_a_customer(case: schemathesis.Case, fuzz_app: FastAPI, tokens: dict[str, str]) -> None:
    run_case(case, fuzz_app, tokens["user"])


@schema.parametrize()
@FUZZ_SETTINGS
def test_as_a_manager(case: schemathesis.Case, fuzz_app: FastAPI, tokens: dict[str, str]) -> None:
    run_case(case, fuzz_app, tokens["manager"])
