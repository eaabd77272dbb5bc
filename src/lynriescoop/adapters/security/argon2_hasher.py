"""argon2id password hashing, off the event loop in a bounded thread pool."""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor

from argon2 import PasswordHasher as Argon2
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from lynriescoop.application.ports.security import PasswordHasher


class Argon2PasswordHasher(PasswordHasher):
    def __init__(
        self,
        *,
        time_cost: int = 2,
        memory_cost: int = 19456,
        parallelism: int = 1,
        max_workers: int = 2,
    ) -> None:
        self._argon2 = Argon2(time_cost=time_cost, memory_cost=memory_cost, parallelism=parallelism)
        self._pool = ThreadPoolExecutor(max_workers=max_workers, thread_name_prefix="argon2")
        self._dummy_hash = self._argon2.hash("dummy-password-for-timing")

    async def hash(self, password: str) -> str:
        return await asyncio.get_running_loop().run_in_executor(self._pool, self._argon2.hash, password)

    def _verify(self, password_hash: str, password: str) -> bool:
        try:
            return bool(self._argon2.verify(password_hash, password))
        except (VerifyMismatchError, VerificationError, InvalidHashError):
            return False

    async def verify(self, password_hash: str, password: str) -> bool:
        return await asyncio.get_running_loop().run_in_executor(self._pool, self._verify, password_hash, password)

    def needs_rehash(self, password_hash: str) -> bool:
        try:
            return bool(self._argon2.check_needs_rehash(password_hash))
        except InvalidHashError:
            return True

    async def burn(self, password: str) -> None:
        await self.verify(self._dummy_hash, password)

    def close(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)
