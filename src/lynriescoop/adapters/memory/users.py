"""Users in memory."""

from __future__ import annotations

import copy
from uuid import UUID

from lynriescoop.adapters.memory.store import MemoryState
from lynriescoop.application.ports.repositories import Page, UserFilter, UserRepository
from lynriescoop.domain.errors import EmailTaken
from lynriescoop.domain.users import Role, User


class MemoryUserRepository(UserRepository):
    def __init__(self, state: MemoryState) -> None:
        self._state = state

    async def add(self, user: User) -> None:
        if any(u.email.value == user.email.value for u in self._state.users.values()):
            raise EmailTaken()
        self._state.users[user.id] = copy.deepcopy(user)

    async def get(self, user_id: UUID, *, for_update: bool = False) -> User | None:
        # No row lock needed: the memory store runs one transaction at a time.
        user = self._state.users.get(user_id)
        return copy.deepcopy(user) if user else None

    async def get_by_email(self, email: str) -> User | None:
        wanted = email.lower()
        user = next((u for u in self._state.users.values() if u.email.value == wanted), None)
        return copy.deepcopy(user) if user else None

    async def update(self, user: User) -> None:
        if any(u.email.value == user.email.value and u.id != user.id for u in self._state.users.values()):
            raise EmailTaken()
        self._state.users[user.id] = copy.deepcopy(user)

    async def list(self, filters: UserFilter, limit: int, offset: int) -> Page[User]:
        found = [
            u
            for u in self._state.users.values()
            if (not filters.q or filters.q.lower() in u.email.value or filters.q.lower() in u.name.lower())
            and (filters.role is None or u.role is filters.role)
            and (filters.is_active is None or u.is_active is filters.is_active)
        ]
        found.sort(key=lambda u: (u.created_at, str(u.id)))
        return Page([copy.deepcopy(u) for u in found[offset : offset + limit]], len(found), limit, offset)

    async def count_active_managers(self) -> int:
        return sum(1 for u in self._state.users.values() if u.role is Role.MANAGER and u.is_active)

    async def lock_managers(self) -> None:
        return None  # the memory store already runs one transaction at a time
