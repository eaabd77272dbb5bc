"""Alembic environment, async: runs migrations through asyncpg on the URL given by the caller or the settings."""

from __future__ import annotations

import asyncio

from alembic import context
from sqlalchemy import pool, text
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import create_async_engine

from lynriescoop.adapters.postgres.tables import metadata

config = context.config
target_metadata = metadata


def _url() -> str:
    url = config.get_main_option("sqlalchemy.url")
    if url:
        return url
    from lynriescoop.settings import Settings

    configured = Settings().database_url
    if not configured:
        raise SystemExit("DATABASE_URL is not set (lynriescoop migrate starts the embedded server itself)")
    return configured


def run_migrations_offline() -> None:
    context.configure(url=_url(), target_metadata=target_metadata, literal_binds=True, compare_type=True)
    with context.begin_transaction():
        context.run_migrations()


# One advisory lock for every process that migrates this database. Several processes may start at once on a fresh
# database (two `lynriescoop serve`, a deployment's replicas): they take turns, and the later ones find the schema
# already at head instead of racing to create the same tables.
MIGRATION_LOCK = 0x4C594E52  # "LYNR"


def _run(connection: Connection) -> None:
    context.configure(connection=connection, target_metadata=target_metadata, compare_type=True)
    with context.begin_transaction():
        connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK})
        context.run_migrations()


async def run_migrations_online() -> None:
    engine = create_async_engine(_url(), poolclass=pool.NullPool)
    async with engine.connect() as connection:
        await connection.run_sync(_run)
    await engine.dispose()


if context.is_offline_mode():
    run_migrations_offline()
else:
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
    else:
        asyncio.run(run_migrations_online())
