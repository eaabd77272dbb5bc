"""Every contract test runs twice: on the in-memory adapters and on PostgreSQL, so the fakes cannot drift."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from lynriescoop.adapters.memory.stats import MemoryStatsReader
from lynriescoop.adapters.memory.store import MemoryStore
from lynriescoop.adapters.memory.unit_of_work import MemoryUnitOfWork
from lynriescoop.adapters.postgres.engine import make_session_factory
from lynriescoop.adapters.postgres.stats import PostgresStatsReader
from lynriescoop.adapters.postgres.unit_of_work import PostgresUnitOfWork
from lynriescoop.application.delivery.routing import route_event
from lynriescoop.application.ports.bookings import StatsReader
from lynriescoop.application.ports.unit_of_work import UnitOfWorkFactory
from tests.factories import World, put_in_memory, put_in_postgres


@dataclass
class Backend:
    """One storage backend: its unit-of-work factory, and a way to lay test data down underneath it."""

    name: str
    uow_factory: UnitOfWorkFactory
    put_world: Callable[[World], Awaitable[None]]
    stats: StatsReader


@pytest.fixture(params=["memory", pytest.param("postgres", marks=pytest.mark.postgres)])
def backend(request: pytest.FixtureRequest) -> Iterator[Backend]:
    if request.param == "memory":
        store = MemoryStore()

        async def put_memory(world: World) -> None:
            put_in_memory(store, world)

        yield Backend("memory", lambda: MemoryUnitOfWork(store, route_event), put_memory, MemoryStatsReader(store))
        return
    engine: AsyncEngine = request.getfixturevalue("clean_db")
    sessions = make_session_factory(engine)

    async def put_postgres(world: World) -> None:
        await put_in_postgres(engine, world)

    yield Backend(
        "postgres", lambda: PostgresUnitOfWork(sessions, route_event), put_postgres, PostgresStatsReader(engine)
    )


@pytest.fixture
def uow_factory(backend: Backend) -> UnitOfWorkFactory:
    return backend.uow_factory
