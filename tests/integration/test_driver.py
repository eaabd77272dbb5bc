"""A statement sent to the driver under a unit of work's session runs inside the session's transaction, even when
it is the transaction's first statement (adapters/postgres/driver.py): a rollback leaves nothing, a commit keeps it.
Both ways of beginning are held: the adapter's own ``_start_transaction`` (one BEGIN) and the fallback statement."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import text
from sqlalchemy.dialects.postgresql.asyncpg import AsyncAdapt_asyncpg_connection
from sqlalchemy.ext.asyncio import AsyncEngine

from lynriescoop.adapters.postgres import driver
from lynriescoop.adapters.postgres.driver import driver_connection
from lynriescoop.adapters.postgres.engine import make_session_factory


async def _probe_table(engine: AsyncEngine) -> None:
    async with engine.begin() as conn:
        await conn.execute(text("CREATE TABLE IF NOT EXISTS driver_probe (marker text PRIMARY KEY)"))


async def _kept(engine: AsyncEngine, marker: str) -> bool:
    async with engine.connect() as conn:
        found = await conn.execute(text("SELECT count(*) FROM driver_probe WHERE marker = :m"), {"m": marker})
        return found.scalar_one() == 1


async def _write_first_through_the_driver(engine: AsyncEngine, *, commit: bool) -> str:
    marker = uuid.uuid4().hex
    async with make_session_factory(engine)() as session, session.begin():
        connection = await driver_connection(session)
        assert connection.is_in_transaction()
        await connection.execute("INSERT INTO driver_probe (marker) VALUES ($1)", marker)
        if not commit:
            await session.rollback()
    return marker


@pytest.mark.parametrize("begin", ["adapter", "fallback"])
async def test_a_first_driver_statement_is_inside_the_session_transaction(
    db_engine: AsyncEngine, begin: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    await _probe_table(db_engine)
    if begin == "fallback":
        monkeypatch.setattr(driver, "ADAPTER_BEGIN", "_no_such_method")
    else:
        assert hasattr(AsyncAdapt_asyncpg_connection, driver.ADAPTER_BEGIN), (
            "the adapter's begin is gone: see driver.py"
        )
    committed = await _write_first_through_the_driver(db_engine, commit=True)
    rolled_back = await _write_first_through_the_driver(db_engine, commit=False)
    assert await _kept(db_engine, committed)
    assert not await _kept(db_engine, rolled_back)
