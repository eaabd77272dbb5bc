"""Login throttling: failed attempts are counted per email and per client address in the database, so the
limit holds whatever the number of server processes."""

from __future__ import annotations

import math
from datetime import datetime, timedelta

from lynriescoop.application.ports.unit_of_work import UnitOfWork
from lynriescoop.domain.errors import TooManyAttempts


def email_key(email: str) -> str:
    return f"email:{email.strip().lower()}"


def client_key(client: str) -> str:
    return f"client:{client}"


class LoginThrottle:
    """At most ``max_failures`` failed logins per email, and ``max_failures_per_client`` per client address
    (higher by default: many people share an address behind a NAT or a kiosk), within a sliding window of
    ``window_seconds``."""

    def __init__(self, max_failures: int, window_seconds: int, max_failures_per_client: int | None = None) -> None:
        self._max_failures = max_failures
        self._max_per_client = max_failures_per_client or max_failures
        self._window = timedelta(seconds=window_seconds)

    def _limit(self, key: str) -> int:
        return self._max_per_client if key.startswith("client:") else self._max_failures

    @staticmethod
    def keys(email: str, client: str | None) -> list[str]:
        """The keys one attempt counts against: the email first, then the client address when known."""
        return [email_key(email)] + ([client_key(client)] if client else [])

    async def check(self, uow: UnitOfWork, keys: list[str], now: datetime) -> None:
        """Raise TooManyAttempts, with the seconds until the oldest counted failure leaves the window."""
        waits = []
        for key in keys:
            window = await uow.login_attempts.window(key, now - self._window)
            if window.count >= self._limit(key) and window.oldest is not None:
                waits.append(math.ceil((window.oldest + self._window - now).total_seconds()))
        if waits:
            raise TooManyAttempts(retry_after=max(1, *waits))

    async def record_failure(self, uow: UnitOfWork, keys: list[str], now: datetime) -> None:
        # Failures older than the window never count again: dropping them keeps the table small.
        await uow.login_attempts.prune(now - self._window)
        for key in keys:
            await uow.login_attempts.add(key, now)
