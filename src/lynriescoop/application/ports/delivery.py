"""Ports of outbox delivery: the MQTT publisher, the relay's claim on due rows, and the wake-up signal."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol
from uuid import UUID

from lynriescoop.application.ports.outbox import OutboxChannel


class PublishFailed(Exception):
    """A publish did not reach the broker (not connected, timed out, refused). The message says why, briefly."""


class EventPublisher(Protocol):
    """Publishes to the MQTT broker with QoS 1. Topics are given without ``MQTT_TOPIC_PREFIX``."""

    @property
    def connected(self) -> bool: ...

    async def publish(self, topic: str, payload: bytes, *, retain: bool = False) -> None:
        """Returns once the broker acknowledged the message; raises :class:`PublishFailed` otherwise."""
        ...


@dataclass(frozen=True, slots=True)
class ClaimedMessage:
    """An outbox row taken by one relay for delivery."""

    id: int
    channel: OutboxChannel
    kind: str
    destination: str
    payload: Mapping[str, Any]
    retain: bool
    showing_id: UUID | None
    version: int | None
    attempts: int


class OutboxBatch(Protocol):
    """Due rows claimed by this relay alone until the batch ends (one database transaction).

    ``messages`` are in id order. For MQTT they are only the rows that may go out now: for each showing, the rows
    before which no earlier pending row of that showing exists elsewhere, and only for showings no other relay is
    working on. ``held_back`` counts the claimed rows left for a later round for that reason.
    """

    @property
    def messages(self) -> Sequence[ClaimedMessage]: ...

    @property
    def held_back(self) -> int: ...

    async def mark_sent(self, ids: Sequence[int], at: datetime) -> None:
        """The rows went out: ``sent`` at ``at``, one more attempt counted."""
        ...

    async def mark_failed(self, message_id: int, *, attempts: int, error: str, retry_at: datetime | None) -> None:
        """Delivery failed: store ``attempts`` and ``error``; due again at ``retry_at``, or ``failed`` for good
        when ``retry_at`` is None."""
        ...


class OutboxClaimer(Protocol):
    def claim(self, channel: OutboxChannel, now: datetime, limit: int) -> AbstractAsyncContextManager[OutboxBatch]:
        """Claim up to ``limit`` pending rows of ``channel`` due at ``now``, oldest first, skipping rows that other
        relays hold. The marks are kept when the block ends normally and dropped when it raises."""
        ...


class OutboxSignal(Protocol):
    """Wakes the relay when rows were committed (PostgreSQL ``NOTIFY``), so it need not wait for its poll."""

    def subscribe(self) -> asyncio.Event:
        """An event set on every wake-up; the subscriber clears it before it looks for work."""
        ...

    async def start(self) -> None: ...

    async def stop(self) -> None: ...


class DeliveryObserver(Protocol):
    """Counts deliveries (metrics)."""

    def delivered(self, channel: OutboxChannel, count: int) -> None: ...

    def failed(self, channel: OutboxChannel, *, final: bool) -> None: ...
