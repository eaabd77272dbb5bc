"""Ports of delivery: how what happened leaves the service (API.md §7 outbox rows, §8 MQTT, §9 email).

The vocabulary, used the same way in application/delivery/, adapters/postgres/delivery.py, adapters/memory/delivery.py
and entrypoints/delivery.py:

- **delivery** is the whole way out: routing, the outbox, the relay and its targets.
- **the outbox** is the table of messages to deliver; an **outbox row** is one message, written by the unit of work
  in the transaction of the change it announces. Its row types are one family: :class:`OutboxMessage` (a row as
  it is written), :class:`ClaimedMessage` (the same row as a relay holds it: with its id and attempts) and
  :class:`OutboxEntry` (a row's delivery state as operators see it).
- **routing** turns a domain event into outbox rows (:data:`EventRouter`).
- **the relay** claims due rows (:class:`OutboxClaimer`), hands them to a **target** (:class:`EventPublisher` for
  MQTT, :class:`Mailer` for email) and marks them; :class:`OutboxSignal` wakes it when rows were committed.
- **snapshots** are the current state the relay reads at publish time for the retained messages
  (:class:`SnapshotSource`).
"""

from __future__ import annotations

import asyncio
import enum
from collections.abc import Callable, Mapping, Sequence
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any, Protocol
from uuid import UUID

from lynriescoop.application.ports.repositories import Page
from lynriescoop.domain.events import BookingDetails, DomainEvent

# --- Outbox rows -------------------------------------------------------------------------------------------------


class OutboxChannel(enum.StrEnum):
    MQTT = "mqtt"
    EMAIL = "email"


class OutboxStatus(enum.StrEnum):
    PENDING = "pending"
    SENT = "sent"
    FAILED = "failed"


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
class OutboxMessage:
    """One outbox row as it is written: an MQTT publish (``destination`` is the topic without prefix) or an email
    (``destination`` is the recipient). ``showing_id`` and ``version`` order the per-showing MQTT stream."""

    channel: OutboxChannel
    destination: str
    payload: Mapping[str, Any]
    retain: bool = False
    showing_id: UUID | None = None
    version: int | None = None
    kind: str = field(default="")


@dataclass(frozen=True, slots=True, kw_only=True)
class ClaimedMessage(OutboxMessage):
    """An outbox row taken by one relay for delivery: the message as written, with its id and the attempts so far."""

    id: int
    attempts: int


@dataclass(frozen=True, slots=True)
class OutboxEntry:
    """An outbox row's delivery state as operators see it. ``id`` is the row's integer (bigserial) id, not a UUID."""

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


EventRouter = Callable[[DomainEvent], Sequence[OutboxMessage]]
"""Routing: turns one domain event into the outbox rows that announce it (none for an internal event)."""


# --- The outbox as operators manage it ---------------------------------------------------------------------------


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


# --- The relay's side of the outbox ------------------------------------------------------------------------------


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


# --- Targets: the MQTT broker and the mail server ----------------------------------------------------------------


class PublishFailed(Exception):
    """A publish did not reach the broker (not connected, timed out, refused). The message says why, briefly."""


class EventPublisher(Protocol):
    """Publishes to the MQTT broker with QoS 1. Topics are given without ``MQTT_TOPIC_PREFIX``."""

    @property
    def connected(self) -> bool: ...

    async def publish(self, topic: str, payload: bytes, *, retain: bool = False) -> None:
        """Returns once the broker acknowledged the message; raises :class:`PublishFailed` otherwise.

        The message is handed to the connection before the first wait, so publishes started in order (tasks created
        in order) leave in that order, several in flight at once: the relay pipelines a showing's rows on that."""
        ...


class BookingEmailKind(enum.StrEnum):
    CONFIRMED = "booking_confirmed"
    CANCELLED = "booking_cancelled"


@dataclass(frozen=True, slots=True)
class BookingEmail:
    """One email to one customer about one booking, with everything it shows captured at the time of the change."""

    kind: BookingEmailKind
    booking_id: UUID
    details: BookingDetails


class MailDeliveryError(Exception):
    """The email was not handed over. The message is short and carries no secret."""


class Mailer(Protocol):
    """Sends the customer emails of API.md §9."""

    async def send(self, email: BookingEmail) -> None:
        """Render and send (or store) the email; raises :class:`MailDeliveryError` when it could not."""
        ...

    def health(self) -> str:
        """For ``/readyz``: ``ok`` after a successful send, ``down`` after a failed one, ``unknown`` before any;
        ``file`` when emails are written as files."""
        ...


# --- Snapshots: the current state behind the retained messages (seat snapshot, showing update) --------------------


@dataclass(frozen=True, slots=True)
class SeatSnapshot:
    """The whole seat map of a showing at one version: every seat with its status, front row first.

    ``seats_json`` is the JSON array of ``{seat_id, label, status}`` as the reader rendered it: the relay sends one per
    showing it touched, so it is never taken apart and put together again.
    """

    showing_id: UUID
    version: int
    available_seats: int
    seats_json: bytes


@dataclass(frozen=True, slots=True)
class ShowingSummary:
    """A showing as ``showing/update`` announces it. ``status`` is as clients see it (``completed`` after the end)."""

    showing_id: UUID
    status: str
    start_time: datetime
    end_time: datetime
    price: Decimal
    capacity: int
    available_seats: int


class SnapshotSource(Protocol):
    """Current state, read in one query each. ``now`` decides which holds still hold."""

    async def seat_snapshots(self, showing_ids: Sequence[UUID], now: datetime) -> Mapping[UUID, SeatSnapshot]:
        """The seat snapshot of each of ``showing_ids`` that exists (a deleted showing is missing), in one read."""
        ...

    async def showing_summary(self, showing_id: UUID, now: datetime) -> ShowingSummary | None:
        """None when the showing does not exist (any more)."""
        ...
