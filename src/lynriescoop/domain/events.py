"""Domain events: facts that happened. Aggregates record their own (``Showing.events``, ``Booking.events``); use
cases record the rest with ``uow.record``; the unit of work collects both and writes them to the outbox.

An event names what happened (``BookingConfirmed``), never who is told or how: which MQTT messages and emails
announce it is decided by routing (``application/delivery/routing.py``)."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from uuid import UUID

from lynriescoop.domain.seat_maps import SeatStatus


class SeatChangeReason(enum.StrEnum):
    HELD = "held"
    BOOKED = "booked"
    RELEASED = "released"
    EXPIRED = "expired"
    CANCELLED = "cancelled"
    BLOCKED = "blocked"
    UNBLOCKED = "unblocked"

    @property
    def seat_status(self) -> str:
        """The status the seats have after a change for this reason (blocked and unblocked are per seat)."""
        return _SEAT_STATUS_AFTER[self]


_SEAT_STATUS_AFTER = {
    SeatChangeReason.HELD: SeatStatus.HELD.value,
    SeatChangeReason.BOOKED: SeatStatus.BOOKED.value,
    SeatChangeReason.RELEASED: SeatStatus.AVAILABLE.value,
    SeatChangeReason.EXPIRED: SeatStatus.AVAILABLE.value,
    SeatChangeReason.CANCELLED: SeatStatus.AVAILABLE.value,
    SeatChangeReason.BLOCKED: SeatStatus.BLOCKED.value,
    SeatChangeReason.UNBLOCKED: SeatStatus.AVAILABLE.value,
}


class ShowingEventKind(enum.StrEnum):
    CREATED = "created"
    UPDATED = "updated"
    CANCELLED = "cancelled"
    DELETED = "deleted"


@dataclass(frozen=True, slots=True)
class DomainEvent:
    occurred_at: datetime


@dataclass(frozen=True, slots=True)
class SeatState:
    seat_id: UUID
    label: str
    status: str


@dataclass(frozen=True, slots=True)
class SeatsChanged(DomainEvent):
    """Seats of one showing changed; ``version`` is the showing's seat-map version after the change."""

    showing_id: UUID
    version: int
    reason: SeatChangeReason
    seats: tuple[SeatState, ...]


@dataclass(frozen=True, slots=True)
class ShowingChanged(DomainEvent):
    showing_id: UUID
    kind: ShowingEventKind


@dataclass(frozen=True, slots=True)
class BookingStatusChanged(DomainEvent):
    """A booking was opened (held or confirmed at once), confirmed, cancelled or expired."""

    booking_id: UUID
    showing_id: UUID
    user_id: UUID
    status: str
    seat_ids: tuple[UUID, ...]


@dataclass(frozen=True, slots=True)
class TicketLine:
    """One ticket as the confirmation email shows it: its seat and its code (the QR code is drawn from it)."""

    ticket_id: UUID
    seat_label: str
    code: str


@dataclass(frozen=True, slots=True)
class BookingDetails:
    """The booking as it stood at the change, with its customer (``recipient_*``): captured then, so that whatever
    announces it later (the customer's email) shows it as it was."""

    recipient_email: str
    recipient_name: str
    booking_number: str
    movie_title: str
    room_name: str
    start_time: datetime
    seat_labels: tuple[str, ...]
    total_price: Decimal
    currency: str
    cancel_deadline: datetime | None = None
    reason: str | None = None
    tickets: tuple[TicketLine, ...] = ()


@dataclass(frozen=True, slots=True)
class BookingConfirmed(DomainEvent):
    """A booking was confirmed (at once, or its hold)."""

    booking_id: UUID
    details: BookingDetails


@dataclass(frozen=True, slots=True)
class BookingCancelled(DomainEvent):
    """A booking was cancelled: by its customer, a manager, or with its showing (``details.reason``)."""

    booking_id: UUID
    details: BookingDetails


@dataclass(frozen=True, slots=True)
class TicketsRevoked(DomainEvent):
    """Tickets of a showing were revoked. ``ticket_ids`` is EVERY revoked ticket of the showing (read in the
    revoking transaction), so the retained ``tickets/revoked/{showing}`` message always holds the full list;
    ``version`` is its length, which only grows (a revocation is final)."""

    showing_id: UUID
    version: int
    ticket_ids: tuple[UUID, ...]


@dataclass(frozen=True, slots=True)
class TicketCheckedIn(DomainEvent):
    """A ticket was admitted for the first time."""

    showing_id: UUID
    ticket_id: UUID
    seat_label: str
    checked_in_at: datetime
