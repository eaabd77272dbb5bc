"""Fixtures of the integration tests that run real ``lynriescoop serve`` processes."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from tests.servers import empty_database


@pytest.fixture
async def fresh_database(postgres_server_url: str) -> AsyncIterator[str]:
    """A database of its own on the machine's PostgreSQL (``TEST_DATABASE_URL``), empty: the processes migrate it."""
    async with empty_database(postgres_server_url, "lynriescoop_proc") as url:
        yield url
