"""Users in PostgreSQL."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from sqlalchemy import Row, and_, func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from lynriescoop.adapters.postgres.errors import translate_integrity_error
from lynriescoop.adapters.postgres.tables import users
from lynriescoop.application.ports.repositories import Page, UserFilter, UserRepository
from lynriescoop.domain.errors import EmailTaken
from lynriescoop.domain.users import Role, User
from lynriescoop.domain.values import EmailAddress

_KNOWN = {"uq_users_email_lower": EmailTaken}


def _to_entity(row: Row[Any]) -> User:
    return User(
        id=row.id,
        email=EmailAddress(row.email),
        name=row.name,
        password_hash=row.password_hash,
        role=Role(row.role),
        is_active=row.is_active,
        avatar=row.avatar,
        created_at=row.created_at,
    )


def _values(user: User) -> dict[str, Any]:
    return {
        "email": user.email.value,
        "name": user.name,
        "password_hash": user.password_hash,
        "role": user.role.value,
        "is_active": user.is_active,
        "avatar": user.avatar,
    }


class PostgresUserRepository(UserRepository):
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def add(self, user: User) -> None:
        try:
            async with self._session.begin_nested():
                await self._session.execute(
                    users.insert().values(id=user.id, created_at=user.created_at, **_values(user))
                )
        except IntegrityError as exc:
            raise translate_integrity_error(exc, _KNOWN) or exc from None

    async def get(self, user_id: UUID, *, for_update: bool = False) -> User | None:
        stmt = select(users).where(users.c.id == user_id)
        if for_update:
            stmt = stmt.with_for_update()
        row = (await self._session.execute(stmt)).first()
        return _to_entity(row) if row else None

    async def get_by_email(self, email: str) -> User | None:
        stmt = select(users).where(func.lower(users.c.email) == email.lower())
        row = (await self._session.execute(stmt)).first()
        return _to_entity(row) if row else None

    async def update(self, user: User) -> None:
        try:
            async with self._session.begin_nested():
                await self._session.execute(
                    users.update().where(users.c.id == user.id).values(updated_at=func.now(), **_values(user))
                )
        except IntegrityError as exc:
            raise translate_integrity_error(exc, _KNOWN) or exc from None

    async def list(self, filters: UserFilter, limit: int, offset: int) -> Page[User]:
        conditions = []
        if filters.q:
            pattern = "%" + filters.q.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
            conditions.append(or_(func.lower(users.c.email).like(pattern), func.lower(users.c.name).like(pattern)))
        if filters.role is not None:
            conditions.append(users.c.role == filters.role.value)
        if filters.is_active is not None:
            conditions.append(users.c.is_active == filters.is_active)
        where = and_(True, *conditions)
        total = (await self._session.execute(select(func.count()).select_from(users).where(where))).scalar_one()
        rows = await self._session.execute(
            select(users).where(where).order_by(users.c.created_at, users.c.id).limit(limit).offset(offset)
        )
        return Page([_to_entity(r) for r in rows], total, limit, offset)

    async def count_active_managers(self) -> int:
        stmt = select(func.count()).select_from(users).where(users.c.role == "manager", users.c.is_active)
        return (await self._session.execute(stmt)).scalar_one()

    async def lock_managers(self) -> None:
        # A transaction-scoped advisory lock: concurrent demotions of the last two managers serialise here.
        await self._session.execute(select(func.pg_advisory_xact_lock(0x4C59_4E52_0001)))
