"""Forget what accounts leave behind: dead refresh tokens and counted attempts past their window."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from lynriescoop.application.ports.clock import Clock
from lynriescoop.application.ports.unit_of_work import UnitOfWorkFactory


@dataclass(frozen=True, slots=True)
class PurgeResult:
    refresh_tokens: int
    attempts: int


class PurgeAccountRecords:
    """One pass of the account purger (run every ``ACCOUNT_PURGE_SECONDS``):

    - refresh tokens that expired, or were revoked, more than ``retention`` ago are deleted (a rotated token is
      kept until it expires plus the retention, so reusing it still closes every session of the account);
    - counted login, password-check and registration attempts older than the longest throttle window are deleted
      (they can never count again).
    """

    def __init__(
        self, uow_factory: UnitOfWorkFactory, clock: Clock, retention: timedelta, attempt_window: timedelta
    ) -> None:
        self._uow_factory = uow_factory
        self._clock = clock
        self._retention = retention
        self._attempt_window = attempt_window

    async def __call__(self) -> PurgeResult:
        now = self._clock.now()
        async with self._uow_factory() as uow:
            tokens = await uow.refresh_tokens.purge(now - self._retention)
            attempts = await uow.login_attempts.prune(now - self._attempt_window)
            await uow.commit()
        return PurgeResult(refresh_tokens=tokens, attempts=attempts)
