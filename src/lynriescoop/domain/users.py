"""Users and their roles."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import datetime
from uuid import UUID, uuid4

from lynriescoop.domain.values import EmailAddress

PASSWORD_MIN_LENGTH = 8
PASSWORD_MAX_LENGTH = 128


class Role(enum.StrEnum):
    USER = "user"
    STAFF = "staff"  # door staff: check-in (API.md §11) and reading showings, nothing else of management
    MANAGER = "manager"


def check_password_length(password: str) -> None:
    """Passwords are 8..128 characters."""
    if not PASSWORD_MIN_LENGTH <= len(password) <= PASSWORD_MAX_LENGTH:
        raise ValueError(f"a password has {PASSWORD_MIN_LENGTH} to {PASSWORD_MAX_LENGTH} characters")


@dataclass(eq=False, slots=True)
class User:
    email: EmailAddress
    name: str
    password_hash: str
    created_at: datetime
    role: Role = Role.USER
    is_active: bool = True
    avatar: str | None = None
    id: UUID = field(default_factory=uuid4)

    def __post_init__(self) -> None:
        self.name = self.name.strip()
        if not self.name:
            raise ValueError("a name cannot be empty")

    @property
    def is_manager(self) -> bool:
        return self.role is Role.MANAGER and self.is_active

    @property
    def can_check_in(self) -> bool:
        """Door staff and managers (a manager may do everything staff may)."""
        return self.role in (Role.STAFF, Role.MANAGER) and self.is_active


class RefreshTokenState(enum.StrEnum):
    """Whether a refresh token may be used now, and if not, why (in this order: a revoked token is revoked, even if
    it was also rotated or has expired)."""

    USABLE = "usable"
    REVOKED = "revoked"
    ROTATED = "rotated"  # used once already: presenting it again means someone holds a copy
    EXPIRED = "expired"


@dataclass(eq=False, slots=True)
class RefreshToken:
    """One refresh token of a rotation family; only its hash is stored."""

    user_id: UUID
    token_hash: str
    family_id: UUID
    created_at: datetime
    expires_at: datetime
    revoked_at: datetime | None = None
    rotated_at: datetime | None = None
    id: UUID = field(default_factory=uuid4)

    def state(self, now: datetime) -> RefreshTokenState:
        if self.revoked_at is not None:
            return RefreshTokenState.REVOKED
        if self.rotated_at is not None:
            return RefreshTokenState.ROTATED
        if now >= self.expires_at:
            return RefreshTokenState.EXPIRED
        return RefreshTokenState.USABLE

    def is_usable(self, now: datetime) -> bool:
        return self.state(now) is RefreshTokenState.USABLE

    def rotate(self, now: datetime) -> None:
        """Use the token, once: the new token of its family replaces it. Only a usable token rotates."""
        if not self.is_usable(now):
            raise ValueError(f"a {self.state(now)} refresh token cannot be rotated")
        self.rotated_at = now
