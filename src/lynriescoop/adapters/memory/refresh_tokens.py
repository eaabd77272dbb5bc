"""Refresh tokens in memory."""

from __future__ import annotations

import copy
from collections.abc import Callable
from datetime import datetime
from uuid import UUID

from lynriescoop.adapters.memory.store import MemoryState
from lynriescoop.application.ports.repositories import RefreshTokenRepository
from lynriescoop.domain.users import RefreshToken


class MemoryRefreshTokenRepository(RefreshTokenRepository):
    def __init__(self, state: MemoryState) -> None:
        self._state = state

    async def add(self, token: RefreshToken) -> None:
        if any(t.token_hash == token.token_hash for t in self._state.refresh_tokens.values()):
            raise ValueError("duplicate refresh token hash")
        self._state.refresh_tokens[token.id] = copy.deepcopy(token)

    async def get_by_hash(self, token_hash: str, *, for_update: bool = True) -> RefreshToken | None:
        # No row lock needed: the memory store runs one transaction at a time.
        token = next((t for t in self._state.refresh_tokens.values() if t.token_hash == token_hash), None)
        return copy.deepcopy(token) if token else None

    async def update(self, token: RefreshToken) -> None:
        stored = self._state.refresh_tokens.get(token.id)
        if stored is not None:
            stored.rotated_at = token.rotated_at
            stored.revoked_at = token.revoked_at

    async def revoke_family(self, family_id: UUID, now: datetime) -> int:
        return self._revoke(lambda t: t.family_id == family_id, now)

    async def revoke_all_for_user(self, user_id: UUID, now: datetime) -> int:
        return self._revoke(lambda t: t.user_id == user_id, now)

    async def purge(self, before: datetime) -> int:
        dead = [
            token_id
            for token_id, token in self._state.refresh_tokens.items()
            if token.expires_at < before or (token.revoked_at is not None and token.revoked_at < before)
        ]
        for token_id in dead:
            del self._state.refresh_tokens[token_id]
        return len(dead)

    def _revoke(self, matches: Callable[[RefreshToken], bool], now: datetime) -> int:
        revoked = 0
        for token in self._state.refresh_tokens.values():
            if token.revoked_at is None and matches(token):
                token.revoked_at = now
                revoked += 1
        return revoked
