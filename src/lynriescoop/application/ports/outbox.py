"""Outbox messages: what the unit of work writes at commit and the relay later delivers."""

from __future__ import annotations

import enum
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol
from uuid import UUID

from lynriescoop.application.ports.repositories import Page
from lynriescoop.domain.events import DomainEvent


class OutboxChannel(enum.StrEnum):
    MQTT = "mqtt"
    EMAIL = "email"


class OutboxStatus(enum.StrEnum):
    PENDING = "pending"
    SENT = "sent"
    FAILED = "failed"


@dataclass(frozen=True, slots=True)
class OutboxMessage:
    """One message to deliver: an MQTT publish (``destination`` is the topic without prefix) or an email
    (``destination`` is the recipient). ``showing_id`` and ``version`` order the per-showing MQTT stream."""

    channel: OutboxChannel
    destination: str
    payload: Mapping[str, Any]
    retain: bool = False
    showing_id: UUID | None = None
    version: int | None = None
    kind: str = field(default="")


EventRouter = Callable[[DomainEvent], Sequence[OutboxMessage]]
"""Turns one domain event into the outbox messages that announce it (none for an internal event)."""


class OutboxKind(enum.StrEnum):
    """What an outbox row carries; the relay builds some payloads at publish time from the current state."""

    SEATS_DELTA = "seats_delta"
    SEAT_SNAPSHOT = "seat_snapshot"  # payload built at publish time from the current seat map (retained)
    SHOWING_UPDATE = "showing_update"  # payload built at publish time from the showing (retained; cleared on delete)
    BOOKING_STATUS = "booking_status"
    BOOKING_CONFIRMED_EMAIL = "booking_confirmed_email"
    BOOKING_CANCELLED_EMAIL = "booking_cancelled_email"
    TICKETS_REVOKED = "tickets_revoked"  # retained; the payload holds every revoked ticket of the showing
    CHECKIN = "checkin"


@dataclass(frozen=True, slots=True)
class OutboxEntry:
    """One outbox row as operators see it. ``id`` is the row's integer (bigserial) id, not a UUID."""

    id: int
    channel: OutboxChannel
    kind: str
    destination: str
    status: OutboxStatus
    attempts: int
    last_error: str | None
    available_at: datetime
    created_at: datetime
    sent_at: datetime | None


@dataclass(frozen=True, slots=True)
class OutboxFilter:
    status: OutboxStatus | None = None
    channel: OutboxChannel | None = None


class OutboxRepository(Protocol):
    """The outbox as operators manage it (the relay claims rows through its own port, ``OutboxClaimer``)."""

    async def list(self, filters: OutboxFilter, limit: int, offset: int) -> Page[OutboxEntry]:
        """Rows newest first: by id, descending (ids grow with insertion, so the order is stable)."""
        ...

    async def get(self, entry_id: int) -> OutboxEntry | None: ...

    async def requeue(self, entry_id: int, now: datetime) -> OutboxEntry | None:
        """Queue a row again: ``pending``, due at ``now``, ``attempts`` back to 0, ``sent_at`` cleared
        (``last_error`` is kept for the record), and wake the relays. None when the row does not exist."""
        ...

    async def purge_sent(self, sent_before: datetime, limit: int) -> int:
        """Delete up to ``limit`` rows that were sent before ``sent_before`` (pending and failed rows stay);
        returns how many."""
        ...
