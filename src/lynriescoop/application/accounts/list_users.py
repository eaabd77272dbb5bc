"""List accounts, for managers."""

from __future__ import annotations

from dataclasses import dataclass

from lynriescoop.application.ports.repositories import Page, UserFilter
from lynriescoop.application.ports.unit_of_work import UnitOfWorkFactory
from lynriescoop.domain.users import Role, User


@dataclass(frozen=True, slots=True)
class ListUsersQuery:
    q: str | None = None
    role: Role | None = None
    is_active: bool | None = None
    limit: int = 20
    offset: int = 0


class ListUsers:
    """Rules: ``q`` matches a case-insensitive substring of the email or the name; ``role`` and ``is_active``
    filter exactly; the order is by creation time, then id, so pages are stable."""

    def __init__(self, uow_factory: UnitOfWorkFactory) -> None:
        self._uow_factory = uow_factory

    async def __call__(self, query: ListUsersQuery) -> Page[User]:
        filters = UserFilter(q=query.q.strip() if query.q else None, role=query.role, is_active=query.is_active)
        async with self._uow_factory() as uow:
            return await uow.users.list(filters, limit=query.limit, offset=query.offset)
