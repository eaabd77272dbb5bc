"""The ``booking/request`` consumer as a lifespan service: subscribes through the shared MQTT client and answers
each request in a task of its own, at most ``concurrency`` at a time (a flood waits instead of piling up)."""

from __future__ import annotations

import asyncio
import contextlib
import logging

from lynriescoop.adapters.mqtt.client import MqttClientService
from lynriescoop.entrypoints.mqtt.booking_requests import REQUEST_TOPIC, BookingRequestHandler

logger = logging.getLogger(__name__)


class BookingRequestConsumer:
    name = "mqtt-booking-requests"

    def __init__(self, client: MqttClientService, handler: BookingRequestHandler, *, concurrency: int = 16) -> None:
        self._client = client
        self._handler = handler
        self._slots = asyncio.Semaphore(concurrency)
        self._tasks: set[asyncio.Task[None]] = set()

    async def start(self) -> None:
        # Registered before the MQTT client starts (it comes later in the service list): it subscribes on
        # every (re)connect.
        self._client.subscribe(REQUEST_TOPIC, self._on_message)

    async def _on_message(self, topic: str, payload: bytes) -> None:
        await self._slots.acquire()
        task = asyncio.create_task(self._answer(payload), name="booking-request")
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _answer(self, payload: bytes) -> None:
        try:
            await self._handler.handle(payload, self._publish)
        finally:
            self._slots.release()

    async def _publish(self, topic: str, payload: bytes) -> None:
        await self._client.publish(topic, payload)

    async def stop(self) -> None:
        pending = list(self._tasks)
        if pending:
            _, late = await asyncio.wait(pending, timeout=5)
            for task in late:
                task.cancel()
            for task in late:
                with contextlib.suppress(asyncio.CancelledError):
                    await task
