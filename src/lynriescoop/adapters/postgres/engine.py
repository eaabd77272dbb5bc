"""Engine and session factory for PostgreSQL through asyncpg."""

from __future__ import annotations

from typing import Any

from sqlalchemy import event, exc
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.orm import ORMExecuteState, Session
from sqlalchemy.sql.dml import UpdateBase

WRITTEN_TABLES = "lynriescoop.written_tables"


class TrackedSession(Session):
    """A session that notes the tables its statements write to, in ``info[WRITTEN_TABLES]``: the unit of work
    tells the read caches what a transaction changed (adapters/postgres/change_feed.py). The hook is registered
    once, on this class: registering it on each session cost about 0.1 ms of CPU per unit of work."""


@event.listens_for(TrackedSession, "do_orm_execute")
def _note_write(state: ORMExecuteState) -> None:
    statement = state.statement
    if isinstance(statement, UpdateBase):
        name = getattr(getattr(statement, "table", None), "name", None)
        if isinstance(name, str):
            state.session.info.setdefault(WRITTEN_TABLES, set()).add(name)


def written_tables(session: AsyncSession) -> set[str]:
    """The tables the session's statements (through SQLAlchemy, not the driver) wrote to since it was cleared."""
    written: set[str] = session.info.get(WRITTEN_TABLES, set())
    return written


def make_engine(
    url: str, *, pool_size: int = 10, max_overflow: int = 10, timeout_s: float = 5.0, pool_timeout_s: float = 30.0
) -> AsyncEngine:
    """An engine that fails fast when the database is gone (connects within ``timeout_s``, bounds every
    statement) but lets a burst queue for a pooled connection for up to ``pool_timeout_s``.

    No ``pool_pre_ping``: SQLAlchemy's ping costs three round trips per checkout (BEGIN, a statement, ROLLBACK:
    a third of a booking's). A pooled connection is checked for free instead: when PostgreSQL restarts or closes
    it, asyncpg sees the socket's end and marks the connection closed, and the checkout hands out a fresh one
    (``_refuse_closed``). A connection that breaks without the socket closing fails its statement once
    (503 ``database_unavailable``), and SQLAlchemy then discards the pool's older connections.
    """
    engine = create_async_engine(
        url,
        pool_size=pool_size,
        max_overflow=max_overflow,
        pool_timeout=pool_timeout_s,
        connect_args={
            "timeout": timeout_s,
            "command_timeout": 30,
            "server_settings": {"application_name": "lynriescoop", "lock_timeout": "10s"},
        },
    )
    event.listen(engine.sync_engine.pool, "checkout", _refuse_closed)
    return engine


def _refuse_closed(dbapi_connection: Any, connection_record: Any, connection_proxy: Any) -> None:
    """A pooled connection whose socket PostgreSQL closed is replaced (the pool retries the checkout)."""
    driver = getattr(dbapi_connection, "driver_connection", None)
    if driver is not None and driver.is_closed():
        raise exc.DisconnectionError("the pooled connection was closed by the server")


def make_session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False, autoflush=False, sync_session_class=TrackedSession)
