"""A background service that runs one async job every ``interval`` seconds until stopped."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from typing import Any

logger = logging.getLogger(__name__)


class PeriodicTask:
    """Runs ``job`` now and then every ``interval`` seconds; a failing run is logged and the loop goes on
    (a database outage must not kill the sweeper)."""

    def __init__(self, name: str, interval: float, job: Callable[[], Awaitable[Any]]) -> None:
        self.name = name
        self._interval = interval
        self._job = job
        self._task: asyncio.Task[None] | None = None
        self._stopping = asyncio.Event()

    async def start(self) -> None:
        self._stopping = asyncio.Event()
        self._task = asyncio.create_task(self._run(), name=self.name)

    async def _run(self) -> None:
        while not self._stopping.is_set():
            try:
                await self._job()
            except Exception as exc:
                logger.warning("%s run failed: %s: %s", self.name, type(exc).__name__, exc)
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(self._interval):
                    await self._stopping.wait()

    async def stop(self) -> None:
        self._stopping.set()
        if self._task is not None:
            try:
                await asyncio.wait_for(self._task, timeout=5)
            except TimeoutError:
                self._task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await self._task
            self._task = None
