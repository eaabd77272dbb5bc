"""Every contract test runs twice: on the in-memory adapters and on PostgreSQL, so the fakes cannot drift."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from lynriescoop.adapters.memory.store import MemoryStore
from lynriescoop.adapters.memory.unit_of_work import MemoryUnitOfWork
from lynriescoop.adapters.postgres.engine import make_session_factory
from lynriescoop.adapters.postgres.unit_of_work import PostgresUnitOfWork
from lynriescoop.application.outbox_routing import route_event
from lynriescoop.application.ports.unit_of_work import UnitOfWorkFactory


@pytest.fixture(params=["memory", "postgres"])
def uow_factory(request: pytest.FixtureRequest) -> Iterator[UnitOfWorkFactory]:
    if request.param == "memory":
        store = MemoryStore()
        yield lambda: MemoryUnitOfWork(store, route_event)
        return
    engine: AsyncEngine = request.getfixturevalue("clean_db")
    sessions = make_session_factory(engine)
    yield lambda: PostgresUnitOfWork(sessions, route_event)
