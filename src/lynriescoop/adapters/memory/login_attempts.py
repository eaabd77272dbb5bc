"""Failed login attempts in memory."""

from __future__ import annotations

from datetime import datetime

from lynriescoop.adapters.memory.store import MemoryState
from lynriescoop.application.ports.repositories import AttemptWindow, LoginAttemptRepository


class MemoryLoginAttemptRepository(LoginAttemptRepository):
    def __init__(self, state: MemoryState) -> None:
        self._state = state

    async def add(self, key: str, attempted_at: datetime) -> None:
        self._state.login_attempts.append((key, attempted_at))

    async def window(self, key: str, since: datetime) -> AttemptWindow:
        times = [at for k, at in self._state.login_attempts if k == key and at > since]
        return AttemptWindow(count=len(times), oldest=min(times) if times else None)

    async def clear(self, key: str) -> None:
        self._state.login_attempts[:] = [(k, at) for k, at in self._state.login_attempts if k != key]

    async def prune(self, before: datetime) -> int:
        kept = [(k, at) for k, at in self._state.login_attempts if at >= before]
        pruned = len(self._state.login_attempts) - len(kept)
        self._state.login_attempts[:] = kept
        return pruned
