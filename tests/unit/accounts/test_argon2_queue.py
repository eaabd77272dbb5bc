"""The argon2 pool's queue is bounded: past ``max_workers + max_queue`` jobs, a new one is refused at once."""

from __future__ import annotations

import asyncio
import threading
from typing import Any

import pytest

from lynriescoop.adapters.security.argon2_hasher import Argon2PasswordHasher
from lynriescoop.domain.errors import ServiceBusy


class Gated:
    def __init__(self, real: Any) -> None:
        self._real = real
        self.gate = threading.Event()

    def hash(self, password: str) -> str:
        self.gate.wait(timeout=10)
        return str(self._real.hash(password))

    def __getattr__(self, name: str) -> Any:
        return getattr(self._real, name)


async def test_a_job_past_the_bound_is_refused_and_the_slots_come_back() -> None:
    hasher = Argon2PasswordHasher(time_cost=1, memory_cost=1024, max_workers=1, max_queue=2)
    gated = Gated(hasher._argon2)
    hasher._argon2 = gated  # type: ignore[assignment]
    try:
        jobs = [asyncio.ensure_future(hasher.hash(f"password-{i}")) for i in range(3)]
        await asyncio.sleep(0)
        assert hasher.pending == 3
        for refused in (hasher.hash("one more"), hasher.verify("$argon2id$bad", "x"), hasher.burn("x")):
            with pytest.raises(ServiceBusy) as busy:
                await refused
            assert (busy.value.code, busy.value.retry_after) == ("busy", 1)
        gated.gate.set()
        hashes = await asyncio.gather(*jobs)
        assert all(await asyncio.gather(*(hasher.verify(h, f"password-{i}") for i, h in enumerate(hashes))))
        assert hasher.pending == 0
    finally:
        gated.gate.set()
        hasher.close()


async def test_a_cancelled_caller_keeps_its_slot_until_the_job_ends() -> None:
    hasher = Argon2PasswordHasher(time_cost=1, memory_cost=1024, max_workers=1, max_queue=0)
    gated = Gated(hasher._argon2)
    hasher._argon2 = gated  # type: ignore[assignment]
    try:
        job = asyncio.ensure_future(hasher.hash("password"))
        await asyncio.sleep(0)
        job.cancel()
        with pytest.raises(ServiceBusy):
            await hasher.hash("another")  # the cancelled job still runs on the worker
        gated.gate.set()
        for _ in range(500):
            if hasher.pending == 0:
                break
            await asyncio.sleep(0.01)
        assert hasher.pending == 0
        assert await hasher.verify(await hasher.hash("again"), "again")
    finally:
        gated.gate.set()
        hasher.close()
