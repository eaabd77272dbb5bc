"""Security ports: password hashing and access tokens."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol
from uuid import UUID

from lynriescoop.domain.users import Role


class PasswordHasher(Protocol):
    """``hash``, ``verify`` and ``burn`` may raise ServiceBusy when too much hashing work is already waiting."""

    async def hash(self, password: str) -> str: ...

    async def verify(self, password_hash: str, password: str) -> bool:
        """True when ``password`` matches; never raises for a mismatch."""
        ...

    def needs_rehash(self, password_hash: str) -> bool: ...

    async def burn(self, password: str) -> None:
        """Spend the time of one verification against a dummy hash (unknown email: same timing)."""
        ...


@dataclass(frozen=True, slots=True)
class AccessClaims:
    user_id: UUID
    role: Role
    token_id: str
    issued_at: datetime
    expires_at: datetime


@dataclass(frozen=True, slots=True)
class IssuedToken:
    token: str
    expires_in: int


class TokenService(Protocol):
    def issue_access(self, user_id: UUID, role: Role, now: datetime) -> IssuedToken: ...

    def verify_access(self, token: str) -> AccessClaims:
        """The claims of a valid access token; raises NotAuthenticated for anything else."""
        ...

    def new_refresh_token(self) -> str:
        """An opaque random refresh token (only its hash is stored)."""
        ...

    def hash_refresh_token(self, token: str) -> str: ...
