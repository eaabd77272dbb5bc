"""Engine and session factory for PostgreSQL through asyncpg."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine


def make_engine(
    url: str, *, pool_size: int = 10, max_overflow: int = 10, timeout_s: float = 5.0, pool_timeout_s: float = 30.0
) -> AsyncEngine:
    """An engine that fails fast when the database is gone (connects within ``timeout_s``, bounds every
    statement) but lets a burst queue for a pooled connection for up to ``pool_timeout_s``."""
    return create_async_engine(
        url,
        pool_size=pool_size,
        max_overflow=max_overflow,
        pool_timeout=pool_timeout_s,
        pool_pre_ping=True,
        connect_args={
            "timeout": timeout_s,
            "command_timeout": 30,
            "server_settings": {"application_name": "lynriescoop", "lock_timeout": "10s"},
        },
    )


def make_session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False, autoflush=False)
