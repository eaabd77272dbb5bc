"""Repository ports. Each adapter (postgres/, memory/) implements all of them; tests/contract keeps them equal."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Generic, Protocol, TypeVar
from uuid import UUID

from lynriescoop.domain.users import Role, User

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Page(Generic[T]):
    """One page of a list, with the total count of matching items."""

    items: Sequence[T]
    total: int
    limit: int
    offset: int


@dataclass(frozen=True, slots=True)
class UserFilter:
    q: str | None = None
    role: Role | None = None
    is_active: bool | None = None


class UserRepository(Protocol):
    async def add(self, user: User) -> None:
        """Insert a new user; raises EmailTaken when the email exists (case-insensitively)."""
        ...

    async def get(self, user_id: UUID) -> User | None: ...

    async def get_by_email(self, email: str) -> User | None:
        """Look a user up by a normalised (lower-case) email."""
        ...

    async def update(self, user: User) -> None: ...

    async def list(self, filters: UserFilter, limit: int, offset: int) -> Page[User]:
        """Users ordered by ``created_at``, then id."""
        ...

    async def count_active_managers(self) -> int: ...

    async def lock_managers(self) -> None:
        """Serialise role changes that could leave no active manager (a no-op where there is one writer)."""
        ...
