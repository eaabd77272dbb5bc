"""Throttling of password guesses and registrations: attempts are counted per key (an email, a client address) in
the database, so the limits hold whatever the number of server processes.

An attempt is counted *before* the expensive and guessable part (the argon2 check, the registration's hash), in one
transaction that first locks its keys, counts them and then records the attempt: N parallel attempts for one key
see each other's records, so at most ``limit`` of them are let through per window. An attempt that turns out not to
be a failure (the right password) is taken back afterwards.
"""

from __future__ import annotations

import abc
import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from lynriescoop.application.ports.unit_of_work import UnitOfWork, UnitOfWorkFactory
from lynriescoop.domain.errors import TooManyAttempts


def email_key(email: str) -> str:
    return f"email:{email.strip().lower()}"


def client_key(client: str) -> str:
    return f"client:{client}"


def register_key(client: str) -> str:
    return f"register:{client}"


@dataclass(frozen=True, slots=True)
class Attempt:
    """One counted attempt: the keys it counts against and the ids of the rows that record it."""

    keys: tuple[str, ...]
    ids: tuple[int, ...]


class AttemptThrottle(abc.ABC):
    """At most ``_limit(key)`` attempts per key within a sliding window of ``window_seconds``."""

    def __init__(self, window_seconds: int) -> None:
        self._window = timedelta(seconds=window_seconds)

    @property
    def window(self) -> timedelta:
        return self._window

    @abc.abstractmethod
    def _limit(self, key: str) -> int:
        """How many attempts ``key`` may have within the window."""

    async def check(self, uow: UnitOfWork, keys: list[str], now: datetime) -> None:
        """Raise TooManyAttempts, with the seconds until the oldest counted attempt leaves the window."""
        waits = []
        for key in keys:
            window = await uow.login_attempts.window(key, now - self._window)
            if window.count >= self._limit(key) and window.oldest is not None:
                waits.append(math.ceil((window.oldest + self._window - now).total_seconds()))
        if waits:
            # Clamped to the window: an attempt recorded by a concurrent request may carry a slightly later time
            # than this request's ``now``.
            window_seconds = math.ceil(self._window.total_seconds())
            raise TooManyAttempts(retry_after=min(window_seconds, max(1, *waits)))

    async def reserve(self, uow: UnitOfWork, keys: list[str], now: datetime) -> Attempt:
        """Count one attempt against ``keys``, or raise TooManyAttempts (recording nothing) when a key is at its
        limit. Atomic across processes: the keys stay locked until ``uow`` ends, so the caller commits at once."""
        await uow.login_attempts.lock(keys)
        await self.check(uow, keys, now)
        ids = [await uow.login_attempts.add(key, now) for key in keys]
        return Attempt(tuple(keys), tuple(ids))

    async def release(self, uow: UnitOfWork, attempt: Attempt) -> None:
        """Take an attempt back: it was not a failure (right password) or never ran (the hasher was busy)."""
        await uow.login_attempts.remove(attempt.ids)

    async def release_now(self, uow_factory: UnitOfWorkFactory, attempt: Attempt) -> None:
        async with uow_factory() as uow:
            await self.release(uow, attempt)
            await uow.commit()


class LoginThrottle(AttemptThrottle):
    """At most ``max_failures`` failed password checks per email, and ``max_failures_per_client`` per client address
    (higher by default: many people share an address behind a NAT or a kiosk), within a sliding window of
    ``window_seconds``. Logins and ``PATCH /auth/me``'s ``current_password`` share these counts."""

    def __init__(self, max_failures: int, window_seconds: int, max_failures_per_client: int | None = None) -> None:
        super().__init__(window_seconds)
        self._max_failures = max_failures
        self._max_per_client = max_failures_per_client or max_failures

    def _limit(self, key: str) -> int:
        return self._max_per_client if key.startswith("client:") else self._max_failures

    @staticmethod
    def keys(email: str, client: str | None) -> list[str]:
        """The keys one attempt counts against: the email first, then the client address when known."""
        return [email_key(email)] + ([client_key(client)] if client else [])

    async def succeeded(self, uow: UnitOfWork, attempt: Attempt) -> None:
        """The right password: the email's failures are forgotten and this attempt does not count."""
        await uow.login_attempts.clear(attempt.keys[0])
        await self.release(uow, attempt)


class RegistrationThrottle(AttemptThrottle):
    """At most ``max_per_client`` registrations (attempts that pass validation, successful or not) per client
    address within a sliding window of ``window_seconds``."""

    def __init__(self, max_per_client: int, window_seconds: int) -> None:
        super().__init__(window_seconds)
        self._max_per_client = max_per_client

    def _limit(self, key: str) -> int:
        return self._max_per_client

    @staticmethod
    def keys(client: str | None) -> list[str]:
        return [register_key(client)] if client else []
