"""Failed login attempts in PostgreSQL, so throttling holds across every server process."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from lynriescoop.adapters.postgres.tables import login_attempts
from lynriescoop.application.ports.repositories import AttemptWindow, LoginAttemptRepository


class PostgresLoginAttemptRepository(LoginAttemptRepository):
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def add(self, key: str, attempted_at: datetime) -> None:
        await self._session.execute(login_attempts.insert().values(key=key, attempted_at=attempted_at))

    async def window(self, key: str, since: datetime) -> AttemptWindow:
        stmt = select(func.count(), func.min(login_attempts.c.attempted_at)).where(
            login_attempts.c.key == key, login_attempts.c.attempted_at > since
        )
        count, oldest = (await self._session.execute(stmt)).one()
        return AttemptWindow(count=int(count), oldest=oldest)

    async def clear(self, key: str) -> None:
        await self._session.execute(login_attempts.delete().where(login_attempts.c.key == key))

    async def prune(self, before: datetime) -> int:
        result = await self._session.execute(login_attempts.delete().where(login_attempts.c.attempted_at < before))
        return int(result.rowcount)  # type: ignore[attr-defined]
