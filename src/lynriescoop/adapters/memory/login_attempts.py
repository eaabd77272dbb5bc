"""Counted attempts in memory."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime

from lynriescoop.adapters.memory.store import MemoryState
from lynriescoop.application.ports.repositories import AttemptWindow, LoginAttemptRepository


class MemoryLoginAttemptRepository(LoginAttemptRepository):
    def __init__(self, state: MemoryState) -> None:
        self._state = state

    async def lock(self, keys: Sequence[str]) -> None:
        return None  # the memory store already runs one transaction at a time

    async def add(self, key: str, attempted_at: datetime) -> int:
        attempt_id = max(self._state.login_attempts, default=0) + 1
        self._state.login_attempts[attempt_id] = (key, attempted_at)
        return attempt_id

    async def remove(self, ids: Sequence[int]) -> None:
        for attempt_id in ids:
            self._state.login_attempts.pop(attempt_id, None)

    async def window(self, key: str, since: datetime) -> AttemptWindow:
        times = [at for k, at in self._state.login_attempts.values() if k == key and at > since]
        return AttemptWindow(count=len(times), oldest=min(times) if times else None)

    async def clear(self, key: str) -> None:
        self._keep(lambda k, _: k != key)

    async def prune(self, before: datetime) -> int:
        return self._keep(lambda _, at: at >= before)

    def _keep(self, keep: Callable[[str, datetime], bool]) -> int:
        """Keep the attempts for which ``keep(key, attempted_at)`` holds; returns how many went."""
        gone = [i for i, (k, at) in self._state.login_attempts.items() if not keep(k, at)]
        for attempt_id in gone:
            del self._state.login_attempts[attempt_id]
        return len(gone)
