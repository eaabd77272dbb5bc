"""The relay as a long-running service: one loop for MQTT and one for email, woken by NOTIFY or a poll.

Two loops so that a slow mail server never delays seat updates. Seats also come first for the CPU: while the MQTT
loop is publishing (it sent something within ``seats_busy_window`` seconds), the email loop pauses
``email_yield_seconds`` after each batch of emails (rendering and sending one costs about as much as the booking
that caused it). In a premiere burst the emails queue in the outbox and go out when the seats calm down, a few
seconds later; nothing waits for ever, since the pause only lasts while seat messages are flowing.

Each loop clears its wake-up event before it looks for work, so a row committed while a batch runs is picked up
right after it; a loop that made progress goes again at once, a loop that found rows held back by another relay
retries shortly, an idle loop waits for the next notification or, at the latest, the poll interval (the fallback
when a notification is missed).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable

from lynriescoop.application.delivery.relay import OutboxRelay, RelayOutcome
from lynriescoop.application.ports.delivery import OutboxSignal

logger = logging.getLogger(__name__)


class OutboxRelayWorker:
    name = "outbox-relay"

    def __init__(
        self,
        relay: OutboxRelay,
        signal: OutboxSignal,
        *,
        poll_seconds: float = 1.0,
        held_back_retry_seconds: float = 0.05,
        error_pause_seconds: float = 2.0,
        stop_grace_seconds: float = 5.0,
        seats_busy_window: float = 0.5,
        email_yield_seconds: float = 0.5,
    ) -> None:
        self._relay = relay
        self._signal = signal
        self._poll = poll_seconds
        self._held_back_retry = held_back_retry_seconds
        self._error_pause = error_pause_seconds
        self._stop_grace = stop_grace_seconds
        self._seats_busy_window = seats_busy_window
        self._email_yield = email_yield_seconds
        self._seats_busy_until = 0.0
        self._tasks: list[asyncio.Task[None]] = []
        self._stopping = asyncio.Event()
        self._wakes: list[asyncio.Event] = []

    @property
    def running(self) -> bool:
        return any(not task.done() for task in self._tasks)

    async def start(self) -> None:
        if self._tasks:
            return
        self._stopping = asyncio.Event()
        self._wakes = [self._signal.subscribe(), self._signal.subscribe()]
        await self._signal.start()
        mqtt_wake, email_wake = self._wakes
        self._tasks = [
            asyncio.create_task(self._loop("mqtt", self._relay.relay_mqtt, mqtt_wake), name="outbox-relay-mqtt"),
            asyncio.create_task(self._loop("email", self._relay.relay_email, email_wake), name="outbox-relay-email"),
        ]

    async def stop(self) -> None:
        """Let the batches under way finish (their rows end up marked), then stop; cancel only after a grace."""
        tasks, self._tasks = self._tasks, []
        self._stopping.set()
        for wake in self._wakes:
            wake.set()
        if tasks:
            _, late = await asyncio.wait(tasks, timeout=self._stop_grace)
            for task in late:
                task.cancel()
            for task in tasks:
                with contextlib.suppress(asyncio.CancelledError):
                    await task
        await self._signal.stop()

    async def _loop(self, channel: str, work: Callable[[], Awaitable[RelayOutcome]], wake: asyncio.Event) -> None:
        failing = False
        while not self._stopping.is_set():
            wake.clear()
            try:
                outcome = await work()
            except Exception:
                # Typically the database is unreachable; say so once, then keep trying quietly.
                if not failing:
                    logger.exception("outbox relay (%s) cannot work; retrying", channel)
                failing = True
                await self._wait(wake, self._error_pause)
                continue
            if failing:
                logger.info("outbox relay (%s) works again", channel)
                failing = False
            if outcome.progressed:
                if channel == "mqtt":
                    self._seats_busy_until = time.monotonic() + self._seats_busy_window
                elif time.monotonic() < self._seats_busy_until:
                    await self._wait(self._stopping, self._email_yield)  # only a stop cuts it short
                continue
            await self._wait(wake, self._held_back_retry if outcome.held_back else self._poll)

    @staticmethod
    async def _wait(wake: asyncio.Event, seconds: float) -> None:
        # asyncio.timeout, not wait_for: on Python 3.11 wait_for can swallow a cancellation that arrives as the
        # wait ends, which kept the worker looping after stop() for the whole stop timeout.
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(seconds):
                await wake.wait()
