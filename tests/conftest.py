"""The test harness.

* PostgreSQL: ``TEST_DATABASE_URL`` (a server URL; each run creates its own fresh database on it and drops it
  at the end), else an embedded pgserver under a temporary directory. The database is migrated with Alembic,
  never ``create_all``. Tests that touch it start from empty tables.
* MQTT: ``TEST_MQTT_URL``, else an embedded amqtt broker on a free port.
* Under ``CI=true`` a configured service that cannot be reached fails the run; nothing is skipped.
* Every test that needs PostgreSQL or MQTT carries the ``postgres`` / ``mqtt`` marker: set by hand (``pytestmark``,
  ``pytest.param(..., marks=...)`` for fixtures that pick a backend at run time), and added here to any test that
  uses a fixture of those services. ``make test-unit`` runs the rest (``-m "not postgres and not mqtt"``).
"""

from __future__ import annotations

import asyncio
import os
import tempfile
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from lynriescoop.adapters.embedded.broker import EmbeddedBroker
from lynriescoop.adapters.embedded.postgres import EmbeddedPostgres
from lynriescoop.adapters.postgres.migrations import upgrade
from lynriescoop.adapters.postgres.tables import metadata
from tests.delivery_support import clear_retained, unique_prefix
from tests.support import IN_CI, free_port, mqtt_host_port, reachable, run_blocking

# Fixtures that reach a service: a test using any of them (directly or through another fixture) needs it.
POSTGRES_FIXTURES = frozenset({"postgres_server_url", "database_url", "db_engine", "clean_db"})
MQTT_FIXTURES = frozenset({"mqtt_url"})


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        used = set(getattr(item, "fixturenames", ()))
        if used & POSTGRES_FIXTURES:
            item.add_marker(pytest.mark.postgres)
        if used & MQTT_FIXTURES:
            item.add_marker(pytest.mark.mqtt)


def _admin_url(server_url: str) -> str:
    url = make_url(server_url)
    if not url.drivername.endswith("+asyncpg"):
        url = url.set(drivername="postgresql+asyncpg")
    return url.render_as_string(hide_password=False)


async def _create_database(admin_url: str, name: str) -> None:
    engine = create_async_engine(admin_url, isolation_level="AUTOCOMMIT")
    try:
        async with engine.connect() as conn:
            await conn.execute(text(f'CREATE DATABASE "{name}"'))
    finally:
        await engine.dispose()


async def _drop_database(admin_url: str, name: str) -> None:
    engine = create_async_engine(admin_url, isolation_level="AUTOCOMMIT")
    try:
        async with engine.connect() as conn:
            await conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    finally:
        await engine.dispose()


@pytest.fixture(scope="session")
def postgres_server_url() -> Iterator[str]:
    """A PostgreSQL server URL pointing at an administrative database."""
    configured = os.environ.get("TEST_DATABASE_URL")
    if configured:
        yield _admin_url(configured)
        return
    if IN_CI:
        pytest.fail("CI=true but TEST_DATABASE_URL is not set: the CI run must use the machine's PostgreSQL")
    with tempfile.TemporaryDirectory(prefix="lynriescoop-pg-") as tmp:
        server = EmbeddedPostgres(Path(tmp), database="postgres_admin")
        url = server.start()
        try:
            yield url
        finally:
            server.stop()


@pytest.fixture(scope="session")
def database_url(postgres_server_url: str) -> Iterator[str]:
    """A fresh database for this run, migrated to head; dropped afterwards."""
    name = f"lynriescoop_test_{uuid.uuid4().hex[:12]}"
    try:
        run_blocking(lambda: asyncio.run(_create_database(postgres_server_url, name)))
    except Exception as exc:
        pytest.fail(f"PostgreSQL at {make_url(postgres_server_url).render_as_string()} is unreachable: {exc}")
    url = make_url(postgres_server_url).set(database=name).render_as_string(hide_password=False)
    run_blocking(lambda: upgrade(url))
    try:
        yield url
    finally:
        run_blocking(lambda: asyncio.run(_drop_database(postgres_server_url, name)))


@pytest.fixture(scope="session")
async def db_engine(database_url: str) -> AsyncIterator[AsyncEngine]:
    engine = create_async_engine(database_url, pool_size=20, max_overflow=20)
    yield engine
    await engine.dispose()


TABLES = ", ".join(f'"{t.name}"' for t in metadata.sorted_tables)


@pytest.fixture
async def clean_db(db_engine: AsyncEngine) -> AsyncEngine:
    """Empty tables for this test (the schema stays)."""
    async with db_engine.begin() as conn:
        await conn.execute(text(f"TRUNCATE {TABLES} RESTART IDENTITY CASCADE"))
    return db_engine


@pytest.fixture(scope="session")
def mqtt_url() -> Iterator[str]:
    """A real MQTT broker: ``TEST_MQTT_URL`` or an embedded amqtt broker on free ports."""
    configured = os.environ.get("TEST_MQTT_URL")
    if configured:
        host, port = mqtt_host_port(configured)
        if not reachable(host, port):
            pytest.fail(f"MQTT broker at {configured} is unreachable")
        yield configured
        return
    if IN_CI:
        pytest.fail("CI=true but TEST_MQTT_URL is not set: the CI run must use the machine's broker")
    broker = EmbeddedBroker("127.0.0.1", free_port(), free_port())
    url = broker.start()
    try:
        yield url
    finally:
        broker.stop()


@pytest.fixture
async def prefix(mqtt_url: str) -> AsyncIterator[str]:
    """A topic prefix of the test's own (``MQTT_TOPIC_PREFIX``), its retained messages cleared afterwards: tests
    on a shared broker never see each other's messages."""
    value = unique_prefix()
    yield value
    await clear_retained(mqtt_url, value)
