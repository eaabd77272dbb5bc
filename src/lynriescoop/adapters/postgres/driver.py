"""The asyncpg connection under a SQLAlchemy session, for the few statements on the hottest paths.

SQLAlchemy costs a few hundred microseconds of CPU per statement (compilation cache, result processing, the
session's bookkeeping); the booking path runs a handful of fixed statements per booking, so it sends them to the
driver directly, on the same connection and inside the same transaction (docs/benchmarks.md). Statements sent this
way are invisible to the unit of work's write tracking: the events recorded with them name what changed.
"""

from __future__ import annotations

from typing import Any, cast

import asyncpg  # type: ignore[import-untyped]
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

# What SQLAlchemy's asyncpg adapter runs before its first statement (SQLAlchemy 2.0): BEGIN, as its transaction.
ADAPTER_BEGIN = "_start_transaction"


async def driver_connection(session: AsyncSession) -> asyncpg.Connection:
    """The session's asyncpg connection, in the session's transaction (see :func:`connection_driver`)."""
    return await connection_driver(await session.connection())


async def connection_driver(connection: AsyncConnection) -> asyncpg.Connection:
    """The asyncpg connection under a SQLAlchemy connection, in its transaction.

    SQLAlchemy's asyncpg adapter begins the database transaction lazily, with its first statement. When none has
    run yet, the adapter is asked to begin it now (``_start_transaction``, what its first statement would do: one
    ``BEGIN`` that SQLAlchemy then commits or rolls back as its own), so a driver statement never runs on its own
    (autocommitted) outside the unit of work's transaction. Should a later SQLAlchemy lack that method, one trivial
    statement begins it instead (a round trip more); tests/integration/test_driver.py holds both.
    """
    raw: Any = await connection.get_raw_connection()
    driver = cast(asyncpg.Connection, raw.driver_connection)
    if not driver.is_in_transaction():
        start = getattr(raw.dbapi_connection, ADAPTER_BEGIN, None)
        if start is not None:
            await start()
        if not driver.is_in_transaction():
            await connection.execute(text("SELECT 1"))
    return driver
