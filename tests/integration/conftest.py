"""Fixtures of the integration tests that run real ``lynriescoop serve`` processes."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator

import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import create_async_engine


@pytest.fixture
async def fresh_database(postgres_server_url: str) -> AsyncIterator[str]:
    """A database of its own on the machine's PostgreSQL (``TEST_DATABASE_URL``), empty: the processes migrate it."""
    name = f"lynriescoop_proc_{uuid.uuid4().hex[:10]}"
    admin = create_async_engine(postgres_server_url, isolation_level="AUTOCOMMIT")
    try:
        async with admin.connect() as conn:
            await conn.execute(text(f'CREATE DATABASE "{name}"'))
        yield make_url(postgres_server_url).set(database=name).render_as_string(hide_password=False)
        async with admin.connect() as conn:
            await conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    finally:
        await admin.dispose()
