"""A session is a pair of tokens: a short-lived JWT access token and an opaque refresh token stored hashed.

Every refresh token belongs to a rotation family (one login); refreshing replaces it by a new one of the same
family. Use cases that start or continue a session share this issuer.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from uuid import UUID, uuid4

from lynriescoop.application.ports.security import TokenService
from lynriescoop.application.ports.unit_of_work import UnitOfWork
from lynriescoop.domain.users import RefreshToken, User


@dataclass(frozen=True, slots=True)
class SessionTokens:
    access_token: str
    refresh_token: str
    expires_in: int
    user: User


class SessionIssuer:
    def __init__(self, tokens: TokenService, refresh_days: int) -> None:
        self._tokens = tokens
        self._refresh_lifetime = timedelta(days=refresh_days)

    def hash_refresh_token(self, raw: str) -> str:
        return self._tokens.hash_refresh_token(raw)

    async def issue(self, uow: UnitOfWork, user: User, now: datetime, family_id: UUID | None = None) -> SessionTokens:
        """Store a new refresh token (a new family unless ``family_id`` continues one) and sign an access token.

        The caller commits ``uow``.
        """
        raw = self._tokens.new_refresh_token()
        await uow.refresh_tokens.add(
            RefreshToken(
                user_id=user.id,
                token_hash=self._tokens.hash_refresh_token(raw),
                family_id=family_id or uuid4(),
                created_at=now,
                expires_at=now + self._refresh_lifetime,
            )
        )
        access = self._tokens.issue_access(user.id, user.role, now)
        return SessionTokens(access_token=access.token, refresh_token=raw, expires_in=access.expires_in, user=user)
