"""The ``booking/request`` consumer as a lifespan service: subscribes through the shared MQTT client and answers
each request in a task of its own, at most ``concurrency`` at a time.

A flood cannot exhaust the service: while every slot is busy, the MQTT client's bounded incoming queue fills and
what does not fit is dropped as it arrives. So are payloads over ``MQTT_MAX_PAYLOAD_BYTES`` (never parsed) and
retained requests (the broker would replay a stored request to the service on every reconnect; the consumer also
clears it from the broker). Every drop is counted in ``/metrics`` as
``mqtt_incoming_dropped_total{topic="booking/request", reason="too_large"|"retained"|"queue_full"}`` and logged
at most once per ``LOG_EVERY_SECONDS`` with the counts since the last line.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections import Counter as Tally

from prometheus_client import Counter

from lynriescoop.adapters.mqtt.client import DropReason, MqttClientService
from lynriescoop.entrypoints.mqtt.booking_requests import REQUEST_TOPIC, BookingRequestHandler

logger = logging.getLogger(__name__)

MQTT_DROPPED = Counter(
    "mqtt_incoming_dropped_total",
    "Incoming MQTT messages dropped unread (too large, retained, or the incoming queue full)",
    ["topic", "reason"],
)
LOG_EVERY_SECONDS = 10.0


class BookingRequestConsumer:
    name = "mqtt-booking-requests"

    def __init__(self, client: MqttClientService, handler: BookingRequestHandler, *, concurrency: int = 16) -> None:
        self._client = client
        self._handler = handler
        self._slots = asyncio.Semaphore(concurrency)
        self._tasks: set[asyncio.Task[None]] = set()
        self._unlogged: Tally[DropReason] = Tally()
        self._last_log = float("-inf")
        self._clearing = False

    async def start(self) -> None:
        # Registered before the MQTT client starts (it comes later in the service list): it subscribes on
        # every (re)connect.
        self._client.subscribe(
            REQUEST_TOPIC,
            self._on_message,
            max_payload_bytes=self._handler.max_payload_bytes,
            accept_retained=False,
            on_drop=self._on_drop,
        )

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

    def _on_drop(self, topic_filter: str, reason: DropReason) -> None:
        MQTT_DROPPED.labels(topic=topic_filter, reason=reason.value).inc()
        self._unlogged[reason] += 1
        now = time.monotonic()
        if now - self._last_log >= LOG_EVERY_SECONDS:
            counts = ", ".join(f"{count} {why.value}" for why, count in sorted(self._unlogged.items()))
            logger.warning("%s: dropped unread since the last report: %s", topic_filter, counts)
            self._unlogged.clear()
            self._last_log = now
        if reason is DropReason.RETAINED and not self._clearing:
            self._clearing = True
            task = asyncio.create_task(self._clear_retained(), name="booking-request-clear-retained")
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)

    async def _clear_retained(self) -> None:
        """An empty retained message removes the stored request from the broker, for every process."""
        try:
            await self._client.publish(REQUEST_TOPIC, b"", retain=True)
        except Exception as exc:
            logger.warning("could not clear the retained %s message: %s", REQUEST_TOPIC, exc)
        finally:
            self._clearing = False

    async def stop(self) -> None:
        pending = list(self._tasks)
        if pending:
            _, late = await asyncio.wait(pending, timeout=5)
            for task in late:
                task.cancel()
            for task in late:
                with contextlib.suppress(asyncio.CancelledError):
                    await task
