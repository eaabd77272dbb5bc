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

    def is_usable(self, now: datetime) -> bool:
        return self.revoked_at is None and self.rotated_at is None and now < self.expires_at
