"""The hottest reads stay at a fixed number of SQL statements, whatever the size of the room or the page."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from asgi_lifespan import LifespanManager
from dependency_injector import providers
from fastapi import FastAPI
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine

from lynriescoop.adapters.security.argon2_hasher import Argon2PasswordHasher
from lynriescoop.domain.bookings import BookingStatus
from lynriescoop.entrypoints.container import build_container
from lynriescoop.entrypoints.http.app import create_app
from tests.e2e.catalogue_helpers import (
    add_movie,
    create_room,
    future,
    insert_booking,
    manager_headers,
    schedule,
    seat_ids,
)
from tests.e2e.conftest import SettingsFactory


@pytest.fixture
async def app(clean_db: AsyncEngine, make_settings: SettingsFactory) -> AsyncIterator[FastAPI]:
    """The app without its background tasks (outbox relay, sweeper), so only requests reach the engine."""
    settings = make_settings()
    container = build_container(settings)
    container.background_services.override(providers.List())
    container.password_hasher.override(providers.Singleton(Argon2PasswordHasher, time_cost=1, memory_cost=1024))
    application = create_app(settings, container)
    async with LifespanManager(application, startup_timeout=30, shutdown_timeout=30):
        yield application


@contextmanager
def counted_statements(app: FastAPI) -> Iterator[list[str]]:
    """Every SQL statement the app's engine sends while the block runs."""
    statements: list[str] = []
    engine = app.state.container.engine().sync_engine

    def record(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", record)


async def test_a_250_seat_map_takes_at_most_two_statements(app: FastAPI, client: httpx.AsyncClient) -> None:
    headers = await manager_headers(app, client)
    room = await create_room(client, headers, name="Cosmos", rows=10, per_row=25)
    movie = await add_movie(app)
    showing = (await schedule(client, headers, movie.id, room["id"], future(24))).json()
    seats = seat_ids(room)
    assert len(seats) == 250
    await insert_booking(app, showing["id"], seats[:40], BookingStatus.CONFIRMED)
    await insert_booking(
        app, showing["id"], seats[40:50], BookingStatus.PENDING, datetime.now(UTC) + timedelta(minutes=5)
    )
    with counted_statements(app) as statements:
        response = await client.get(f"/showings/{showing['id']}/seats")
    assert response.status_code == 200
    body = response.json()
    assert len(body["seats"]) == 250
    assert [s["status"] for s in body["seats"]].count("booked") == 40
    assert [s["status"] for s in body["seats"]].count("held") == 10
    assert 1 <= len(statements) <= 2, statements


async def test_a_page_of_showings_takes_two_statements_whatever_its_size(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    headers = await manager_headers(app, client)
    movie = await add_movie(app, runtime=60)
    for index in range(3):
        room = await create_room(client, headers, name=f"Room {index}")
        for slot in range(4):
            response = await schedule(client, headers, movie.id, room["id"], future(24 + 2 * slot))
            assert response.status_code == 201
    counts = []
    for limit in (1, 12):
        with counted_statements(app) as statements:
            page = (await client.get("/showings", params={"limit": limit})).json()
        assert len(page["items"]) == limit and page["total"] == 12
        counts.append(len(statements))
    assert counts == [2, 2]
    with counted_statements(app) as statements:
        assert (await client.get("/rooms")).json()["total"] == 3
    assert len(statements) == 2
