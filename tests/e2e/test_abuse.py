"""Clients that misbehave, over HTTP on the real app: someone else's booking, a customer on manager routes, forged
tokens, mass assignment, injection and oversized input in every filter, huge bodies, brute force, and bookings for
showings that cannot be booked. Every answer is a documented problem; nothing changes that should not."""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import jwt
import pytest
from asgi_lifespan import LifespanManager
from fastapi import FastAPI
from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncEngine

from lynriescoop.adapters.postgres import tables as t
from lynriescoop.domain.showings import ShowingStatus
from lynriescoop.entrypoints.http.app import create_app
from tests.e2e.auth_helpers import DEFAULT_PASSWORD, assert_problem, bearer, client_at, register
from tests.e2e.catalogue_helpers import insert_showing
from tests.e2e.conftest import Headers, SettingsFactory
from tests.factories import World
from tests.fakes.tmdb import API_KEY, FakeTmdb

pytestmark = [pytest.mark.postgres]

LEAKS = ("Traceback", "sqlalchemy", "asyncpg", "SELECT ", 'File "', "psycopg")
GHOST = "00000000-0000-4000-8000-000000000000"


@pytest.fixture
async def spec(client: httpx.AsyncClient) -> dict[str, Any]:
    document: dict[str, Any] = (await client.get("/openapi.json")).json()
    return document


def operations(spec: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (method.upper(), path, operation)
        for path, methods in spec["paths"].items()
        for method, operation in methods.items()
    ]


def concrete(path: str, operation: dict[str, Any]) -> str:
    """The path with every parameter filled: an integer where the schema wants one, else an unknown UUID."""
    for parameter in operation.get("parameters", []):
        if parameter["in"] == "path":
            value = "1" if parameter["schema"].get("type") == "integer" else GHOST
            path = path.replace("{" + parameter["name"] + "}", value)
    return path


def request_fields(spec: dict[str, Any], method: str, path: str) -> set[str]:
    """The properties a route's JSON body declares, from the OpenAPI document."""
    schema = spec["paths"][path][method.lower()]["requestBody"]["content"]["application/json"]["schema"]
    if "$ref" in schema:
        schema = spec["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]
    return set(schema.get("properties", {}))


def documents_forbidden(operation: dict[str, Any]) -> bool:
    """Manager-only operations document 403 ``forbidden`` (a disabled account's 403 on login is another code)."""
    return "`forbidden`" in operation["responses"].get("403", {}).get("description", "")


def assert_no_leak(response: httpx.Response) -> None:
    for leak in LEAKS:
        assert leak not in response.text, f"{response.request.method} {response.request.url}: leaks {leak!r}"


async def count(engine: AsyncEngine, table: Any) -> int:
    async with engine.connect() as conn:
        return int((await conn.execute(select(func.count()).select_from(table))).scalar_one())


async def hold(client: httpx.AsyncClient, auth: Headers, world: World, user: str, *labels: str) -> dict[str, Any]:
    body = {"showing_id": str(world.showing.id), "seat_ids": [str(world.seat(label).id) for label in labels]}
    response = await client.post("/bookings", json=body, headers=auth(user))
    assert response.status_code == 201, response.text
    booking: dict[str, Any] = response.json()
    return booking


# --- someone else's booking -------------------------------------------------------------------------------------


async def test_another_users_booking_is_not_found_and_stays_untouched(
    client: httpx.AsyncClient, auth: Headers, world: World, clean_db: AsyncEngine
) -> None:
    held = await hold(client, auth, world, "ann", "A1", "A2")
    for method, suffix in (("GET", ""), ("POST", "/confirm"), ("POST", "/cancel")):
        response = await client.request(method, f"/bookings/{held['id']}{suffix}", headers=auth("bob"))
        body = assert_problem(response, 404, "booking_not_found")
        assert held["id"] not in json.dumps(body) and held["booking_number"] not in response.text
    listed = (await client.get("/bookings", headers=auth("bob"))).json()
    assert listed["total"] == 0 and listed["items"] == []
    async with clean_db.connect() as conn:
        status = (await conn.execute(select(t.bookings.c.status).where(t.bookings.c.id == held["id"]))).scalar_one()
    assert status == "pending"
    unknown = await client.get(f"/bookings/{GHOST}", headers=auth("bob"))
    assert unknown.json() | {"detail": ""} == assert_problem(response, 404, "booking_not_found") | {"detail": ""}


# --- roles ------------------------------------------------------------------------------------------------------


async def test_a_customer_gets_403_on_every_manager_route_and_nowhere_else(
    client: httpx.AsyncClient, auth: Headers, world: World, spec: dict[str, Any], clean_db: AsyncEngine
) -> None:
    """Manager routes come from the OpenAPI document (those documenting 403 ``forbidden``), so a new one is
    covered the day it is added; and no other route answers a customer 403, so none is forgotten there."""
    manager_ops = [(m, p, o) for m, p, o in operations(spec) if documents_forbidden(o)]
    admin_ops = {(m, p) for m, p, _ in operations(spec) if p.startswith("/admin/")}
    assert admin_ops <= {(m, p) for m, p, _ in manager_ops}
    assert {("POST", "/movies"), ("POST", "/rooms"), ("POST", "/showings"), ("DELETE", "/showings/{showing_id}")} <= {
        (m, p) for m, p, _ in manager_ops
    }
    before = {table.name: await count(clean_db, table) for table in (t.users, t.movies, t.rooms, t.showings)}
    for method, path, operation in manager_ops:
        kwargs: dict[str, Any] = {"json": {}} if "requestBody" in operation else {}
        response = await client.request(method, concrete(path, operation), headers=auth("ann"), **kwargs)
        assert_problem(response, 403, "forbidden")
    for method, path, operation in operations(spec):
        if documents_forbidden(operation) or not operation.get("security"):
            continue
        kwargs = {"json": {}} if "requestBody" in operation else {}
        response = await client.request(method, concrete(path, operation), headers=auth("ann"), **kwargs)
        assert response.status_code != 403, f"{method} {path} answers a customer 403 without documenting it"
    after = {table.name: await count(clean_db, table) for table in (t.users, t.movies, t.rooms, t.showings)}
    assert after == before


async def test_every_secured_route_wants_a_token(client: httpx.AsyncClient, spec: dict[str, Any]) -> None:
    secured = [(m, p, o) for m, p, o in operations(spec) if o.get("security")]
    assert len(secured) >= 25
    for method, path, operation in secured:
        kwargs: dict[str, Any] = {"json": {}} if "requestBody" in operation else {}
        response = await client.request(method, concrete(path, operation), **kwargs)
        assert_problem(response, 401, "not_authenticated")
        assert response.headers["www-authenticate"] == "Bearer"


# --- forged tokens ----------------------------------------------------------------------------------------------


def _b64(data: dict[str, Any]) -> str:
    import base64

    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


def forged_tokens(app: FastAPI, user_id: str) -> dict[str, str]:
    secret = app.state.settings.jwt_secret.get_secret_value()
    now = int(time.time())
    claims = {
        "sub": user_id,
        "role": "manager",
        "iat": now,
        "exp": now + 600,
        "jti": uuid.uuid4().hex,
        "iss": "lynriescoop",
        "typ": "access",
    }
    return {
        "wrong secret": jwt.encode(claims, "not-the-secret-" + "y" * 40, algorithm="HS256"),
        "expired": jwt.encode(claims | {"iat": now - 7200, "exp": now - 3600}, secret, algorithm="HS256"),
        "alg none": f"{_b64({'alg': 'none', 'typ': 'JWT'})}.{_b64(claims)}.",
        "wrong issuer": jwt.encode(claims | {"iss": "someone-else"}, secret, algorithm="HS256"),
        "not an access token": jwt.encode(claims | {"typ": "refresh"}, secret, algorithm="HS256"),
        "garbage": "not.a.jwt",
    }


async def test_forged_expired_unsigned_and_foreign_tokens_get_401(
    app: FastAPI, client: httpx.AsyncClient, world: World
) -> None:
    boss_id = str(world.users["boss"].id)
    for name, token in forged_tokens(app, boss_id).items():
        for method, path in (("GET", "/auth/me"), ("GET", "/admin/users"), ("GET", "/bookings")):
            response = await client.request(method, path, headers=bearer(token))
            assert response.status_code == 401, f"{name} on {path}: {response.text}"
            assert_problem(response, 401, "not_authenticated")
            assert response.headers["www-authenticate"] == "Bearer"


# --- mass assignment --------------------------------------------------------------------------------------------


async def test_mass_assignment_is_refused_everywhere(
    client: httpx.AsyncClient, auth: Headers, world: World, spec: dict[str, Any], clean_db: AsyncEngine
) -> None:
    """Fields a body does not declare (per the route's own OpenAPI schema) are refused, never quietly applied."""
    showing, seat = str(world.showing.id), str(world.seat("A1").id)
    ann_id = str(world.users["ann"].id)
    attempts: list[tuple[str, str, str, dict[str, Any], dict[str, str]]] = [
        (
            "POST",
            "/auth/register",
            "/auth/register",
            {"email": "eve@example.com", "name": "Eve", "password": "secret-123"},
            {},
        ),
        ("PATCH", "/auth/me", "/auth/me", {"name": "Ann"}, auth("ann")),
        ("POST", "/bookings", "/bookings", {"showing_id": showing, "seat_ids": [seat]}, auth("ann")),
        ("PATCH", "/admin/users/{user_id}", f"/admin/users/{ann_id}", {"is_active": True}, auth("boss")),
        ("PATCH", "/showings/{showing_id}", f"/showings/{showing}", {"price": "11.00"}, auth("boss")),
        ("PATCH", "/rooms/{room_id}", f"/rooms/{world.room.id}", {"name": "Renamed"}, auth("boss")),
        (
            "PATCH",
            "/rooms/{room_id}/seats/{seat_id}",
            f"/rooms/{world.room.id}/seats/{seat}",
            {"is_active": True},
            auth("boss"),
        ),
        ("POST", "/movies", "/movies", {"title": "Brazil", "runtime": 132}, auth("boss")),
    ]
    smuggled = {
        "role": "manager",
        "status": "confirmed",
        "user_id": str(world.users["bob"].id),
        "price": "0.01",
        "total_price": "0.00",
        "is_active": False,
        "id": str(uuid.uuid4()),
        "email": "boss@example.com",
        "password_hash": "x",
        "created_at": "2020-01-01T00:00:00Z",
    }
    refused = 0
    for method, template, path, body, headers in attempts:
        declared = request_fields(spec, method, template)
        assert set(body) <= declared
        for field, value in smuggled.items():
            if field in declared:
                continue  # e.g. a manager's PATCH /admin/users really takes `role`
            response = await client.request(method, path, json=body | {field: value}, headers=headers)
            problem = assert_problem(response, 422, "validation_error")
            assert any(field in error["loc"] for error in problem["errors"]), (method, path, field, problem)  # type: ignore[attr-defined]
            refused += 1
    assert refused >= 60
    async with clean_db.connect() as conn:
        users = {row.email: (row.role, row.is_active) for row in await conn.execute(select(t.users))}
        assert users == {
            "ann@example.com": ("user", True),
            "bob@example.com": ("user", True),
            "boss@example.com": ("manager", True),
        }
        assert (await conn.execute(select(func.count()).select_from(t.bookings))).scalar_one() == 0
        assert (await conn.execute(select(func.count()).select_from(t.movies))).scalar_one() == 1
        assert (await conn.execute(select(t.showings.c.price))).scalar_one() == world.showing.price


# --- injection and oversized input in every filter ----------------------------------------------------------------

HOSTILE = [
    "%",
    "_",
    "' OR '1'='1",
    "'; DROP TABLE users; --",
    "%' OR 1=1 --",
    "\\' UNION SELECT password_hash FROM users --",
    '") OR ("a"="a',
    "%_%\\",
    "1; SELECT pg_sleep(10)",
    "x" * 10 * 1024,
]


@pytest.fixture
async def tmdb_client(world: World, make_settings: SettingsFactory) -> AsyncIterator[httpx.AsyncClient]:
    """The app with TMDB configured (the local fake), so the TMDB search filter is probed too."""
    with FakeTmdb() as fake:
        settings = make_settings(tmdb_base_url=fake.url, tmdb_api_key=API_KEY)
        application = create_app(settings)
        async with LifespanManager(application, startup_timeout=30, shutdown_timeout=30):
            transport = httpx.ASGITransport(app=application)
            async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
                yield http


async def test_sql_metacharacters_and_10_kb_strings_in_every_list_filter(
    tmdb_client: httpx.AsyncClient, auth: Headers, world: World, spec: dict[str, Any], clean_db: AsyncEngine
) -> None:
    """Every query parameter of every list route (from the OpenAPI document), one hostile value at a time: a
    documented answer, no 5xx, nothing leaked, nothing matched that should not be, nothing dropped."""
    await hold(tmdb_client, auth, world, "ann", "B1")
    list_routes = [(p, o) for m, p, o in operations(spec) if m == "GET" and "{" not in p]
    probed: set[tuple[str, str]] = set()
    for path, operation in list_routes:
        query_params = [p["name"] for p in operation.get("parameters", []) if p["in"] == "query"]
        for name in query_params:
            for value in HOSTILE:
                response = await tmdb_client.get(path, params={name: value}, headers=auth("boss"))
                probed.add((path, name))
                assert response.status_code in (200, 422), f"{path}?{name}=…: {response.status_code} {response.text}"
                assert_no_leak(response)
                if response.status_code == 422:
                    assert_problem(response, 422, "validation_error")
                elif name in ("q", "genre"):  # text filters of our own tables: the value is data, never SQL
                    assert response.json()["total"] == 0, f"{path}?{name}={value[:30]} matched something"
    expected = {("/movies", "q"), ("/movies", "genre"), ("/admin/users", "q"), ("/showings", "from")}
    assert expected | {("/admin/bookings", "user_id"), ("/bookings", "status")} <= probed
    nul = await tmdb_client.get("/movies", params={"q": "a\x00b"})
    assert_problem(nul, 422, "validation_error")
    assert await count(clean_db, t.users) == 3 and await count(clean_db, t.bookings) == 1  # nothing dropped


async def test_the_ends_of_the_calendar_in_every_date_filter(
    client: httpx.AsyncClient, auth: Headers, world: World, spec: dict[str, Any]
) -> None:
    """Dates at the very ends of the calendar (found by the schema fuzzing: ``?date=0001-01-01`` was a 500 when its
    local midnight fell before year 1 in UTC): every date or date-time filter answers 200 or 422."""
    edges = {
        "date": ["0001-01-01", "9999-12-31"],
        "date-time": ["0001-01-01T00:00:00+14:00", "9999-12-31T23:59:59-23:59", "0001-01-01T00:00:00Z"],
    }
    probed = []
    for method, path, operation in operations(spec):
        if method != "GET" or "{" in path:
            continue
        for parameter in operation.get("parameters", []):
            schema = parameter["schema"]
            formats = {schema.get("format")} | {option.get("format") for option in schema.get("anyOf", [])}
            for fmt in formats & set(edges):
                for value in edges[fmt]:
                    response = await client.get(path, params={parameter["name"]: value}, headers=auth("boss"))
                    assert response.status_code in (200, 422), (path, parameter["name"], value, response.text)
                    if response.status_code == 422:
                        assert_problem(response, 422, "validation_error")
                    probed.append((path, parameter["name"]))
    assert {("/showings", "date"), ("/showings", "from"), ("/admin/stats", "from")} <= set(probed)


async def test_bodies_that_cannot_be_read_are_a_validation_error(
    client: httpx.AsyncClient, auth: Headers, world: World
) -> None:
    """Bytes that are not text (and JSON nested past the parser's recursion) were a 400 "error parsing the body"
    the API does not document; they are malformed requests like any other: 422 ``validation_error``."""
    json_type = {"Content-Type": "application/json"}
    for body in (b"\xff\xfe\xfd", b"\x9d\xd3\x00", b"[" * 60_000, b'{"a": ' + b"[" * 60_000 + b"}"):
        for method, path, headers in (
            ("POST", "/bookings", auth("ann")),
            ("PATCH", "/auth/me", auth("ann")),
            ("POST", "/auth/register", {}),
            ("POST", "/auth/login", {}),
        ):
            response = await client.request(method, path, content=body, headers=headers | json_type)
            assert_problem(response, 422, "validation_error")


async def test_nul_characters_in_bodies_are_a_validation_error(
    client: httpx.AsyncClient, auth: Headers, world: World
) -> None:
    """A NUL reached PostgreSQL (which refuses it in text) and came back as a 500; now it is 422."""
    response = await client.patch(f"/movies/{world.movie.id}", json={"director": "\u0000"}, headers=auth("boss"))
    assert_problem(response, 422, "validation_error")
    renamed = await client.patch("/auth/me", json={"name": "Ann\u0000"}, headers=auth("ann"))
    assert_problem(renamed, 422, "validation_error")
    assert (await client.get("/auth/me", headers=auth("ann"))).json()["name"] == "Ann"


# --- huge bodies ------------------------------------------------------------------------------------------------


async def test_a_1_mb_body_is_413_with_or_without_content_length(
    client: httpx.AsyncClient, auth: Headers, world: World, clean_db: AsyncEngine
) -> None:
    big = json.dumps({"email": "big@example.com", "name": "x" * 1024 * 1024, "password": "secret-123"})
    assert_problem(
        await client.post("/auth/register", content=big, headers={"Content-Type": "application/json"}),
        413,
        "payload_too_large",
    )

    async def chunks() -> AsyncIterator[bytes]:
        payload = big.encode()
        for i in range(0, len(payload), 16 * 1024):
            yield payload[i : i + 16 * 1024]

    streamed = await client.post("/auth/register", content=chunks(), headers={"Content-Type": "application/json"})
    assert "content-length" not in streamed.request.headers
    assert_problem(streamed, 413, "payload_too_large")
    assert await count(clean_db, t.users) == 3


async def test_10000_seat_ids_are_413_and_1500_are_422(
    client: httpx.AsyncClient, auth: Headers, world: World, clean_db: AsyncEngine
) -> None:
    """10,000 UUIDs are about 400 KB: over the 64 KiB body limit, so 413 is the honest answer. 1,500 fit under the
    limit and are refused by validation (at most 100 ids in a request, MAX_SEATS_PER_BOOKING after that)."""
    showing = str(world.showing.id)
    many = {"showing_id": showing, "seat_ids": [str(uuid.uuid4()) for _ in range(10_000)]}
    assert_problem(await client.post("/bookings", json=many, headers=auth("ann")), 413, "payload_too_large")
    fewer = {"showing_id": showing, "seat_ids": [str(uuid.uuid4()) for _ in range(1_500)]}
    assert len(json.dumps(fewer)) < 64 * 1024
    problem = assert_problem(await client.post("/bookings", json=fewer, headers=auth("ann")), 422, "validation_error")
    assert problem["errors"][0]["loc"] == ["body", "seat_ids"]  # type: ignore[index]
    real = [str(s) for s in world.seat_ids[:11]]
    too_many = await client.post("/bookings", json={"showing_id": showing, "seat_ids": real}, headers=auth("ann"))
    assert_problem(too_many, 422, "too_many_seats")
    assert await count(clean_db, t.bookings) == 0


# --- brute force ------------------------------------------------------------------------------------------------


async def test_login_brute_force_is_throttled_with_retry_after(app: FastAPI, clean_db: AsyncEngine) -> None:
    async with client_at(app, "192.0.2.10") as setup:
        await register(setup, "target@example.com")
    async with client_at(app, "203.0.113.66") as attacker:
        answers = [
            await attacker.post("/auth/login", json={"email": "target@example.com", "password": f"guess-{i}"})
            for i in range(8)
        ]
        correct = await attacker.post("/auth/login", json={"email": "target@example.com", "password": DEFAULT_PASSWORD})
    codes = [r.json()["code"] for r in answers]
    assert codes[:5] == ["invalid_credentials"] * 5
    assert codes[5:] == ["too_many_attempts"] * 3
    for response in [*answers[5:], correct]:
        assert_problem(response, 429, "too_many_attempts")
        assert 1 <= int(response.headers["retry-after"]) <= app.state.settings.login_window_seconds
    async with clean_db.connect() as conn:
        refresh_tokens = (await conn.execute(select(func.count()).select_from(t.refresh_tokens))).scalar_one()
    assert refresh_tokens == 1  # only the registration's session: the throttled correct password got none


# --- showings that cannot be booked -------------------------------------------------------------------------------


async def test_a_booking_for_a_past_or_cancelled_showing_is_refused(
    app: FastAPI, client: httpx.AsyncClient, auth: Headers, world: World, clean_db: AsyncEngine
) -> None:
    past = await insert_showing(
        app, world.movie, str(world.room.id), datetime.now(UTC) - timedelta(days=1), minutes=world.movie.runtime
    )
    cancelled = await insert_showing(
        app,
        world.movie,
        str(world.room.id),
        datetime.now(UTC) + timedelta(days=5),
        minutes=world.movie.runtime,
        status=ShowingStatus.CANCELLED,
    )
    seat = str(world.seat("C3").id)
    for showing in (past, cancelled):
        for confirm in (False, True):
            body = {"showing_id": str(showing.id), "seat_ids": [seat], "confirm": confirm}
            assert_problem(await client.post("/bookings", json=body, headers=auth("ann")), 422, "showing_not_bookable")
    held = await hold(client, auth, world, "ann", "C4")
    async with clean_db.begin() as conn:
        await conn.execute(update(t.showings).where(t.showings.c.id == world.showing.id).values(status="cancelled"))
    assert_problem(
        await client.post(
            "/bookings", json={"showing_id": str(world.showing.id), "seat_ids": [seat]}, headers=auth("bob")
        ),
        422,
        "showing_not_bookable",
    )
    assert held["status"] == "pending"
    assert await count(clean_db, t.bookings) == 1
