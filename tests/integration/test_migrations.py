"""Migrations: upgrade, downgrade to base and upgrade again; the models and the migrations agree."""

from __future__ import annotations

import asyncio
import uuid

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy.engine import Connection, make_url
from sqlalchemy.ext.asyncio import create_async_engine

from lynriescoop.adapters.postgres.migrations import downgrade, upgrade
from lynriescoop.adapters.postgres.tables import metadata
from tests.conftest import _create_database, _drop_database


def _diff(connection: Connection) -> list[object]:
    context = MigrationContext.configure(connection, opts={"compare_type": True})
    return list(compare_metadata(context, metadata))


async def _autogenerate_diff(url: str) -> list[object]:
    engine = create_async_engine(url)
    try:
        async with engine.connect() as conn:
            return await conn.run_sync(_diff)
    finally:
        await engine.dispose()


def test_upgrade_downgrade_upgrade_and_no_drift(postgres_server_url: str) -> None:
    name = f"lynriescoop_migr_{uuid.uuid4().hex[:10]}"
    asyncio.run(_create_database(postgres_server_url, name))
    url = make_url(postgres_server_url).set(database=name).render_as_string(hide_password=False)
    try:
        upgrade(url)
        downgrade(url, "base")
        upgrade(url)
        assert asyncio.run(_autogenerate_diff(url)) == []
    finally:
        asyncio.run(_drop_database(postgres_server_url, name))
