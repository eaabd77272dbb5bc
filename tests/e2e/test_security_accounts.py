"""Issue 13, accounts: password guessing and registration floods are throttled atomically (real HTTP, real
PostgreSQL, two server processes), the hashing queue is bounded, dead refresh tokens are purged, the stats times
must be aware, and the metrics' method label is bounded."""

from __future__ import annotations

import asyncio
import threading
import uuid
from collections import Counter
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from asgi_lifespan import LifespanManager
from dependency_injector import providers
from fastapi import FastAPI
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from lynriescoop.adapters.postgres import tables as t
from lynriescoop.adapters.security.argon2_hasher import Argon2PasswordHasher
from lynriescoop.entrypoints.container import build_container
from lynriescoop.entrypoints.http.app import create_app
from tests.e2e.auth_helpers import DEFAULT_PASSWORD, assert_problem, bearer, client_at, manager, register
from tests.e2e.conftest import SettingsFactory
from tests.servers import serve

ATTACKERS = 100


def wide_client(base_url: str) -> httpx.AsyncClient:
    """A client that really opens ATTACKERS connections at once."""
    limits = httpx.Limits(max_connections=ATTACKERS + 10, max_keepalive_connections=ATTACKERS + 10)
    return httpx.AsyncClient(base_url=base_url, limits=limits, timeout=120)


async def attempts_of(engine: AsyncEngine, key: str) -> int:
    async with engine.connect() as conn:
        query = text("SELECT count(*) FROM login_attempts WHERE key = :k")
        return int((await conn.execute(query, {"k": key})).scalar_one())


def assert_throttled(responses: list[httpx.Response], limit: int, wrong_code: str = "invalid_credentials") -> int:
    """At most ``limit`` answers ``401 wrong_code``, every other one ``429 too_many_attempts`` with Retry-After;
    the number of 401s."""
    codes = Counter((r.status_code, r.json()["code"]) for r in responses)
    assert set(codes) <= {(401, wrong_code), (429, "too_many_attempts")}, codes
    assert 1 <= codes[(401, wrong_code)] <= limit, codes
    for response in responses:
        if response.status_code == 429:
            assert int(response.headers["retry-after"]) >= 1
    return codes[(401, wrong_code)]


# --- 1. the login throttle cannot be raced ------------------------------------------------------------------------


async def test_100_simultaneous_wrong_logins_for_one_email_get_at_most_5_answers_401(
    make_settings: SettingsFactory, clean_db: AsyncEngine
) -> None:
    async with serve(make_settings(db_pool_size=3)) as server, wide_client(server.base_url) as http:
        await register(http, "target@example.com")
        responses = await asyncio.gather(
            *(
                http.post("/auth/login", json={"email": "target@example.com", "password": f"guess-{i}"})
                for i in range(ATTACKERS)
            )
        )
        right = await http.post("/auth/login", json={"email": "target@example.com", "password": DEFAULT_PASSWORD})
    failures = assert_throttled(responses, limit=5)  # LOGIN_MAX_FAILURES
    assert_problem(right, 429, "too_many_attempts")  # the right password too, while the email is throttled
    assert await attempts_of(clean_db, "email:target@example.com") == failures


async def test_100_simultaneous_wrong_logins_from_one_client_get_at_most_20_answers_401(
    make_settings: SettingsFactory, clean_db: AsyncEngine
) -> None:
    async with serve(make_settings(db_pool_size=3)) as server, wide_client(server.base_url) as http:
        responses = await asyncio.gather(
            *(
                http.post("/auth/login", json={"email": f"user-{i}@example.com", "password": "guess-guess"})
                for i in range(ATTACKERS)
            )
        )
    failures = assert_throttled(responses, limit=20)  # LOGIN_MAX_FAILURES_PER_CLIENT
    assert await attempts_of(clean_db, "client:127.0.0.1") == failures


async def test_100_simultaneous_wrong_current_passwords_get_at_most_5_answers_401(
    make_settings: SettingsFactory, clean_db: AsyncEngine
) -> None:
    async with serve(make_settings(db_pool_size=3)) as server, wide_client(server.base_url) as http:
        session = await register(http, "holder@example.com")
        headers = bearer(session["access_token"])
        responses = await asyncio.gather(
            *(
                http.patch(
                    "/auth/me",
                    json={"password": "new-password-1", "current_password": f"guess-{i}"},
                    headers=headers,
                )
                for i in range(ATTACKERS)
            )
        )
        right = await http.patch(
            "/auth/me", json={"password": "new-password-1", "current_password": DEFAULT_PASSWORD}, headers=headers
        )
        # The guesses count for the account's email: the login is throttled too.
        login = await http.post("/auth/login", json={"email": "holder@example.com", "password": DEFAULT_PASSWORD})
    failures = assert_throttled(responses, limit=5)
    assert_problem(right, 429, "too_many_attempts")
    assert_problem(login, 429, "too_many_attempts")
    assert await attempts_of(clean_db, "email:holder@example.com") == failures


async def test_a_right_current_password_is_not_counted_and_clears_the_failures(
    app: FastAPI, client: httpx.AsyncClient, clean_db: AsyncEngine
) -> None:
    session = await register(client, "ann@example.com")
    headers = bearer(session["access_token"])
    for _ in range(4):
        body = {"password": "new-password-1", "current_password": "nope-nope"}
        wrong = await client.patch("/auth/me", json=body, headers=headers)
        assert_problem(wrong, 401, "invalid_credentials")
    right = await client.patch(
        "/auth/me", json={"password": "new-password-1", "current_password": DEFAULT_PASSWORD}, headers=headers
    )
    assert right.status_code == 200, right.text
    assert await attempts_of(clean_db, "email:ann@example.com") == 0
    assert await attempts_of(clean_db, "client:127.0.0.1") == 4


# --- 2. registration is throttled per client, across processes; the hashing queue is bounded ------------------------


async def test_registration_is_throttled_per_client_across_two_processes(
    make_settings: SettingsFactory, clean_db: AsyncEngine
) -> None:
    settings = make_settings(register_max_per_client=3, db_pool_size=3)

    def body(i: int) -> dict[str, str]:
        return {"email": f"flood-{i}@example.com", "name": "Flood", "password": DEFAULT_PASSWORD}

    async with (
        serve(settings) as a,
        serve(settings) as b,
        wide_client(a.base_url) as http_a,
        wide_client(b.base_url) as http_b,
    ):
        responses = await asyncio.gather(
            *(http_a.post("/auth/register", json=body(i)) for i in range(10)),
            *(http_b.post("/auth/register", json=body(i)) for i in range(10, 20)),
        )
    codes = Counter(r.status_code for r in responses)
    assert codes == {201: 3, 429: 17}, codes
    for response in responses:
        if response.status_code == 429:
            assert_problem(response, 429, "too_many_attempts")
            assert 1 <= int(response.headers["retry-after"]) <= 3600
    async with clean_db.connect() as conn:
        assert (await conn.execute(text("SELECT count(*) FROM users"))).scalar_one() == 3


async def test_registration_throttle_is_per_client_address(
    make_settings: SettingsFactory, clean_db: AsyncEngine
) -> None:
    settings = make_settings(register_max_per_client=2)
    container = build_container(settings)
    container.password_hasher.override(providers.Singleton(Argon2PasswordHasher, time_cost=1, memory_cost=1024))
    app = create_app(settings, container)
    async with LifespanManager(app), client_at(app, "198.51.100.7") as flooder, client_at(app, "192.0.2.1") as other:
        await register(flooder, "a@example.com")
        taken = await flooder.post(
            "/auth/register", json={"email": "a@example.com", "name": "Again", "password": DEFAULT_PASSWORD}
        )
        assert_problem(taken, 409, "email_taken")  # counted too: probing for taken emails is registering
        third = await flooder.post(
            "/auth/register", json={"email": "c@example.com", "name": "C", "password": DEFAULT_PASSWORD}
        )
        assert_problem(third, 429, "too_many_attempts")
        assert 3590 <= int(third.headers["retry-after"]) <= 3600
        invalid = await flooder.post("/auth/register", json={"email": "d@example.com", "name": "D", "password": "x"})
        assert_problem(invalid, 422, "validation_error")  # validation first: a malformed body is not counted
        await register(other, "b@example.com")


class GatedArgon2:
    """argon2 whose hashing waits for a gate, so a test can hold the pool's only worker."""

    def __init__(self, real: Any) -> None:
        self._real = real
        self.gate = threading.Event()

    def hash(self, password: str) -> str:
        self.gate.wait(timeout=30)
        return str(self._real.hash(password))

    def __getattr__(self, name: str) -> Any:
        return getattr(self._real, name)


@pytest.fixture
async def busy_app(make_settings: SettingsFactory, clean_db: AsyncEngine) -> AsyncIterator[tuple[FastAPI, GatedArgon2]]:
    settings = make_settings()
    container = build_container(settings)
    hasher = Argon2PasswordHasher(time_cost=1, memory_cost=1024, max_workers=1, max_queue=1)
    gated = GatedArgon2(hasher._argon2)
    hasher._argon2 = gated  # type: ignore[assignment]
    container.password_hasher.override(providers.Object(hasher))
    app = create_app(settings, container)
    async with LifespanManager(app):
        yield app, gated
    gated.gate.set()


async def test_a_full_hashing_queue_answers_503_busy_with_retry_after(
    busy_app: tuple[FastAPI, GatedArgon2], clean_db: AsyncEngine
) -> None:
    app, gated = busy_app
    hasher: Argon2PasswordHasher = app.state.container.password_hasher()
    async with client_at(app, "192.0.2.1") as first, client_at(app, "192.0.2.2") as second:
        # Two registrations fill the one worker and the one queue slot.
        held = [
            asyncio.ensure_future(register(first, "one@example.com")),
            asyncio.ensure_future(register(second, "two@example.com")),
        ]
        for _ in range(3000):
            if hasher.pending == 2:
                break
            await asyncio.sleep(0.01)
        assert hasher.pending == 2
        async with client_at(app, "192.0.2.3") as third:
            busy = await third.post(
                "/auth/register", json={"email": "three@example.com", "name": "Three", "password": DEFAULT_PASSWORD}
            )
            login = await third.post("/auth/login", json={"email": "one@example.com", "password": "guess-guess"})
        for response in (busy, login):
            assert_problem(response, 503, "busy")
            assert response.headers["retry-after"] == "1"
        # A refused job is not counted against anyone.
        assert await attempts_of(clean_db, "email:one@example.com") == 0
        assert await attempts_of(clean_db, "register:192.0.2.3") == 0
        gated.gate.set()
        await asyncio.gather(*held)
    assert hasher.pending == 0


def test_the_hashing_queue_bound_is_a_setting(make_settings: SettingsFactory) -> None:
    container = build_container(make_settings(password_hash_workers=3, password_hash_max_queue=5))
    hasher = container.password_hasher()
    try:
        assert hasher._capacity == 8
    finally:
        hasher.close()


# --- 4. dead refresh tokens are purged by the periodic account purger ---------------------------------------------


async def test_dead_refresh_tokens_are_purged_after_the_retention(
    make_settings: SettingsFactory, clean_db: AsyncEngine
) -> None:
    now = datetime.now(UTC)
    user_id = uuid.uuid4()
    ago, ahead = (lambda days: now - timedelta(days=days)), (lambda days: now + timedelta(days=days))
    rows: dict[str, dict[str, datetime]] = {
        "expired long ago": {"expires_at": ago(31)},
        "revoked long ago": {"expires_at": ahead(1), "revoked_at": ago(31)},
        "expired lately": {"expires_at": ago(29)},
        "revoked lately": {"expires_at": ahead(1), "revoked_at": ago(29)},
        "rotated, valid": {"expires_at": ahead(1), "rotated_at": ago(40)},
        "live": {"expires_at": ahead(14)},
    }
    async with clean_db.begin() as conn:
        await conn.execute(
            t.users.insert().values(
                id=user_id, email="old@example.com", name="Old", password_hash="x", role="user", created_at=now
            )
        )
        for name, values in rows.items():
            await conn.execute(
                t.refresh_tokens.insert().values(
                    id=uuid.uuid4(),
                    user_id=user_id,
                    token_hash=name,
                    family_id=uuid.uuid4(),
                    created_at=now - timedelta(days=60),
                    **values,
                )
            )
    settings = make_settings(account_purge_seconds=0.05)  # REFRESH_TOKEN_RETENTION_DAYS: 30 by default
    container = build_container(settings)
    app = create_app(settings, container)
    async with LifespanManager(app):
        for _ in range(500):
            async with clean_db.connect() as conn:
                left = set((await conn.execute(text("SELECT token_hash FROM refresh_tokens"))).scalars())
            if len(left) < len(rows):
                break
            await asyncio.sleep(0.02)
    assert left == {"expired lately", "revoked lately", "rotated, valid", "live"}


# --- 4. small defects: stats times, the metrics' method label ------------------------------------------------------


async def test_stats_refuse_a_naive_time_with_422(app: FastAPI, client: httpx.AsyncClient) -> None:
    boss = bearer((await manager(app, client))["access_token"])
    for query in (
        "from=2026-01-01T00:00:00&to=2026-01-02T00:00:00Z",
        "from=2026-01-01T00:00:00Z&to=2026-01-02T00:00:00",
        "from=2026-01-01T00:00:00",
    ):
        problem = assert_problem(await client.get(f"/admin/stats?{query}", headers=boss), 422, "validation_error")
        assert problem["errors"]
    aware = await client.get("/admin/stats?from=2026-01-01T00:00:00%2B01:00&to=2026-01-02T00:00:00Z", headers=boss)
    assert aware.status_code == 200, aware.text


async def test_the_metrics_method_label_is_bounded(client: httpx.AsyncClient) -> None:
    for method in ("BREW", "PROPFIND", "X-" + uuid.uuid4().hex):
        await client.request(method, "/healthz")
    metrics = (await client.get("/metrics")).text
    methods = {
        line.split('method="', 1)[1].split('"', 1)[0]
        for line in metrics.splitlines()
        if line.startswith("http_requests_total{")
    }
    assert "other" in methods
    assert methods <= {"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "other"}, methods
