"""Counted attempts (logins, password checks, registrations) in PostgreSQL, so throttling holds across every
server process."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from lynriescoop.adapters.postgres.tables import login_attempts
from lynriescoop.application.ports.repositories import AttemptWindow, LoginAttemptRepository


class PostgresLoginAttemptRepository(LoginAttemptRepository):
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def lock(self, keys: Sequence[str]) -> None:
        # Transaction-scoped advisory locks on a 64-bit hash of each key, taken in one order (sorted) so two
        # attempts sharing two keys cannot deadlock. A hash collision only serialises two unrelated keys.
        for key in sorted(set(keys)):
            await self._session.execute(select(func.pg_advisory_xact_lock(func.hashtextextended(key, 0))))

    async def add(self, key: str, attempted_at: datetime) -> int:
        stmt = login_attempts.insert().values(key=key, attempted_at=attempted_at).returning(login_attempts.c.id)
        return int((await self._session.execute(stmt)).scalar_one())

    async def remove(self, ids: Sequence[int]) -> None:
        if ids:
            await self._session.execute(login_attempts.delete().where(login_attempts.c.id.in_(list(ids))))

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
