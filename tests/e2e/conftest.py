"""End-to-end fixtures: the real app (lifespan and all) on the test database, called over HTTP in-process."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from asgi_lifespan import LifespanManager
from dependency_injector import providers
from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncEngine

from lynriescoop.adapters.security.argon2_hasher import Argon2PasswordHasher
from lynriescoop.domain.users import Role
from lynriescoop.entrypoints.container import build_container
from lynriescoop.entrypoints.http.app import create_app
from lynriescoop.settings import Settings
from tests.factories import World, build_world, make_user, put_in_postgres

SettingsFactory = Callable[..., Settings]


@pytest.fixture
def make_settings(database_url: str, tmp_path: Path) -> SettingsFactory:
    def build(**overrides: Any) -> Settings:
        values: dict[str, Any] = {
            "database_url": database_url,
            "mqtt_url": None,
            "data_dir": tmp_path,
            "mail_dir": tmp_path / "mail",
            "jwt_secret": "test-secret-" + "x" * 40,
            "seed_on_start": False,
            "log_level": "WARNING",
        }
        values.update(overrides)
        return Settings(_env_file=None, **values)

    return build


@pytest.fixture
async def app(clean_db: AsyncEngine, make_settings: SettingsFactory) -> AsyncIterator[FastAPI]:
    settings = make_settings()
    container = build_container(settings)
    # argon2 at its cheapest so tests stay fast; production parameters are untouched.
    container.password_hasher.override(providers.Singleton(Argon2PasswordHasher, time_cost=1, memory_cost=1024))
    application = create_app(settings, container)
    async with LifespanManager(application, startup_timeout=30, shutdown_timeout=30):
        yield application


@pytest.fixture
async def client(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
        yield http


Headers = Callable[[str], dict[str, str]]


@pytest.fixture
async def world(clean_db: AsyncEngine) -> World:
    """A movie, a room of 5 rows of 8 seats (row E premium) with one showing, and users ann, bob and boss (manager),
    written straight into the tables."""
    world = build_world(rows=5, per_row=8)
    world.users = {
        "ann": make_user("ann@example.com"),
        "bob": make_user("bob@example.com"),
        "boss": make_user("boss@example.com", role=Role.MANAGER),
    }
    await put_in_postgres(clean_db, world)
    return world


@pytest.fixture
def auth(app: FastAPI, world: World) -> Headers:
    """``auth("ann")``: an Authorization header with a fresh access token of that user of the ``world``."""
    tokens = app.state.container.token_service()

    def headers(name: str) -> dict[str, str]:
        user = world.users[name]
        return {"Authorization": f"Bearer {tokens.issue_access(user.id, user.role, datetime.now(UTC)).token}"}

    return headers
