"""Refresh tokens in PostgreSQL: only the hash of each token is stored."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from sqlalchemy import ColumnElement, Row, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from lynriescoop.adapters.postgres.tables import refresh_tokens, users
from lynriescoop.application.ports.repositories import RefreshTokenRepository
from lynriescoop.domain.users import RefreshToken


def _to_entity(row: Row[Any]) -> RefreshToken:
    return RefreshToken(
        id=row.id,
        user_id=row.user_id,
        token_hash=row.token_hash,
        family_id=row.family_id,
        created_at=row.created_at,
        expires_at=row.expires_at,
        rotated_at=row.rotated_at,
        revoked_at=row.revoked_at,
    )


class PostgresRefreshTokenRepository(RefreshTokenRepository):
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def add(self, token: RefreshToken) -> None:
        await self._session.execute(
            refresh_tokens.insert().values(
                id=token.id,
                user_id=token.user_id,
                token_hash=token.token_hash,
                family_id=token.family_id,
                created_at=token.created_at,
                expires_at=token.expires_at,
                rotated_at=token.rotated_at,
                revoked_at=token.revoked_at,
            )
        )

    async def get_by_hash(self, token_hash: str, *, for_update: bool = True) -> RefreshToken | None:
        # FOR UPDATE: two requests presenting the same token serialise, so only one can rotate it.
        stmt = select(refresh_tokens).where(refresh_tokens.c.token_hash == token_hash)
        if for_update:
            stmt = stmt.with_for_update()
        row = (await self._session.execute(stmt)).first()
        return _to_entity(row) if row else None

    async def update(self, token: RefreshToken) -> None:
        await self._session.execute(
            refresh_tokens.update()
            .where(refresh_tokens.c.id == token.id)
            .values(rotated_at=token.rotated_at, revoked_at=token.revoked_at)
        )

    async def revoke_family(self, family_id: UUID, now: datetime) -> int:
        return await self._revoke(refresh_tokens.c.family_id == family_id, now)

    async def revoke_all_for_user(self, user_id: UUID, now: datetime) -> int:
        # The user's row lock first (a no-op when the caller holds it): a rotation holds it while it inserts the new
        # token, so this UPDATE, a later statement with a fresh snapshot, sees every token committed before it.
        await self._session.execute(select(users.c.id).where(users.c.id == user_id).with_for_update())
        return await self._revoke(refresh_tokens.c.user_id == user_id, now)

    async def purge(self, before: datetime) -> int:
        result = await self._session.execute(
            refresh_tokens.delete().where(
                or_(refresh_tokens.c.expires_at < before, refresh_tokens.c.revoked_at < before)
            )
        )
        return int(result.rowcount)  # type: ignore[attr-defined]

    async def _revoke(self, condition: ColumnElement[bool], now: datetime) -> int:
        result = await self._session.execute(
            refresh_tokens.update().where(condition, refresh_tokens.c.revoked_at.is_(None)).values(revoked_at=now)
        )
        return int(result.rowcount)  # type: ignore[attr-defined]
