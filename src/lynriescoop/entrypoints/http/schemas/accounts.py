"""Schemas of accounts and authentication (API.md §2) and of user management (§7)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal, Self
from uuid import UUID

from pydantic import BaseModel, ConfigDict, EmailStr, Field, StringConstraints, model_validator

from lynriescoop.application.accounts.sessions import SessionTokens
from lynriescoop.application.ports.repositories import Page
from lynriescoop.domain import users as domain
from lynriescoop.domain.formats import utc
from lynriescoop.domain.users import PASSWORD_MAX_LENGTH, PASSWORD_MIN_LENGTH, Role

Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
Password = Annotated[str, Field(min_length=PASSWORD_MIN_LENGTH, max_length=PASSWORD_MAX_LENGTH)]
# What a login accepts is deliberately loose: a malformed email is just a wrong one (401), never a 422 hint.
LoginEmail = Annotated[str, Field(min_length=1, max_length=320)]
LoginPassword = Annotated[str, Field(min_length=1, max_length=1024)]
OpaqueToken = Annotated[str, Field(max_length=512)]


def _no_nulls(model: BaseModel, *names: str) -> None:
    """PATCH bodies: leaving a field out keeps it; ``null`` is refused for fields that cannot be empty."""
    for name in names:
        if name in model.model_fields_set and getattr(model, name) is None:
            raise ValueError(f"{name} cannot be null")


class RegisterRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    email: EmailStr
    name: Name
    password: Password


class LoginRequest(BaseModel):
    model_config = ConfigDict(extra="forbid", title="LoginRequest")

    email: LoginEmail
    password: LoginPassword


class LoginForm(BaseModel):
    """The OAuth2 password grant form (RFC 6749 §4.3), as Swagger's Authorize button sends it."""

    model_config = ConfigDict(extra="forbid", title="LoginForm")

    grant_type: Literal["password"] | None = None
    username: LoginEmail = Field(description="The account's email.")
    password: LoginPassword
    scope: str = ""
    client_id: str | None = None
    client_secret: str | None = None


class RefreshTokenRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    refresh_token: OpaqueToken


class UpdateMeRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: Name | None = None
    avatar: Annotated[str, Field(max_length=2048)] | None = Field(default=None, description="null clears it")
    password: Password | None = Field(default=None, description="needs current_password")
    current_password: LoginPassword | None = None

    @model_validator(mode="after")
    def _check(self) -> Self:
        _no_nulls(self, "name", "password")
        if self.password is not None and not self.current_password:
            raise ValueError("a new password needs current_password")
        return self


class UpdateUserRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    role: Role | None = None
    is_active: bool | None = None

    @model_validator(mode="after")
    def _check(self) -> Self:
        _no_nulls(self, "role", "is_active")
        return self


class User(BaseModel):
    id: UUID
    email: str
    name: str
    role: Role
    is_active: bool
    avatar: str | None
    created_at: datetime

    @classmethod
    def of(cls, user: domain.User) -> User:
        return cls(
            id=user.id,
            email=user.email.value,
            name=user.name,
            role=user.role,
            is_active=user.is_active,
            avatar=user.avatar,
            created_at=utc(user.created_at),
        )


class TokenPair(BaseModel):
    access_token: str
    refresh_token: str
    token_type: Literal["bearer"] = "bearer"
    expires_in: int = Field(description="seconds until the access token expires")
    user: User

    @classmethod
    def of(cls, session: SessionTokens) -> TokenPair:
        return cls(
            access_token=session.access_token,
            refresh_token=session.refresh_token,
            expires_in=session.expires_in,
            user=User.of(session.user),
        )


class UserPage(BaseModel):
    items: list[User]
    total: int
    limit: int
    offset: int

    @classmethod
    def of(cls, page: Page[domain.User]) -> UserPage:
        return cls(items=[User.of(u) for u in page.items], total=page.total, limit=page.limit, offset=page.offset)
