"""argon2id password hashing, off the event loop in a bounded thread pool with a bounded queue."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any, TypeVar

from argon2 import PasswordHasher as Argon2
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from lynriescoop.application.ports.security import PasswordHasher
from lynriescoop.domain.errors import ServiceBusy

T = TypeVar("T")


class Argon2PasswordHasher(PasswordHasher):
    """At most ``max_workers`` hashes run at once and at most ``max_queue`` more wait for a worker; a job beyond
    that is refused at once with ServiceBusy (``busy``, retry after ``busy_retry_after`` seconds), so a flood of
    registrations or logins cannot queue unbounded work ahead of everyone else."""

    def __init__(
        self,
        *,
        time_cost: int = 2,
        memory_cost: int = 19456,
        parallelism: int = 1,
        max_workers: int = 2,
        max_queue: int = 32,
        busy_retry_after: int = 1,
    ) -> None:
        self._argon2 = Argon2(time_cost=time_cost, memory_cost=memory_cost, parallelism=parallelism)
        self._pool = ThreadPoolExecutor(max_workers=max_workers, thread_name_prefix="argon2")
        self._capacity = max_workers + max_queue
        self._busy_retry_after = busy_retry_after
        self._pending = 0
        self._lock = threading.Lock()
        self._dummy_hash = self._argon2.hash("dummy-password-for-timing")

    @property
    def pending(self) -> int:
        """Jobs running or waiting for a worker."""
        return self._pending

    def _done(self, _: Future[Any]) -> None:
        with self._lock:
            self._pending -= 1

    async def _run(self, function: Callable[..., T], *args: str) -> T:
        with self._lock:
            if self._pending >= self._capacity:
                raise ServiceBusy(self._busy_retry_after, "Too many password checks are waiting; try again shortly.")
            self._pending += 1
        try:
            future = self._pool.submit(function, *args)
        except BaseException:
            with self._lock:
                self._pending -= 1
            raise
        # The slot is freed when the job ends, not when its caller stops waiting (a cancelled request's job runs on).
        future.add_done_callback(self._done)
        return await asyncio.wrap_future(future)

    async def hash(self, password: str) -> str:
        return await self._run(self._argon2.hash, password)

    def _verify(self, password_hash: str, password: str) -> bool:
        try:
            return bool(self._argon2.verify(password_hash, password))
        except (VerifyMismatchError, VerificationError, InvalidHashError):
            return False

    async def verify(self, password_hash: str, password: str) -> bool:
        return await self._run(self._verify, password_hash, password)

    def needs_rehash(self, password_hash: str) -> bool:
        try:
            return bool(self._argon2.check_needs_rehash(password_hash))
        except InvalidHashError:
            return True

    async def burn(self, password: str) -> None:
        await self.verify(self._dummy_hash, password)

    def close(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)
