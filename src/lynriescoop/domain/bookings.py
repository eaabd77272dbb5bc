"""Bookings and the seat claims (reservations) they hold."""

from __future__ import annotations

import enum
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from uuid import UUID, uuid4

from lynriescoop.domain.errors import (
    BookingCancelled,
    CancellationClosed,
    HoldExpired,
    SeatNotInRoom,
    SeatsUnavailable,
    ShowingNotBookable,
    TooManySeats,
)
from lynriescoop.domain.events import BookingStatusChanged, DomainEvent
from lynriescoop.domain.rooms import Seat, SeatCategory
from lynriescoop.domain.showings import Showing
from lynriescoop.domain.values import BookingNumber


class BookingStatus(enum.StrEnum):
    PENDING = "pending"
    CONFIRMED = "confirmed"
    CANCELLED = "cancelled"
    EXPIRED = "expired"
    COMPLETED = "completed"

    @property
    def is_live(self) -> bool:
        """A live booking holds its seats."""
        return self in (BookingStatus.PENDING, BookingStatus.CONFIRMED)


class CancelledBy(enum.StrEnum):
    CUSTOMER = "customer"
    MANAGER = "manager"
    SHOWING_CANCELLED = "showing_cancelled"


@dataclass(eq=False, slots=True)
class SeatReservation:
    """One claim of one seat of one showing; the database allows one live claim per (showing, seat)."""

    booking_id: UUID
    showing_id: UUID
    seat_id: UUID
    label: str
    category: SeatCategory
    price: Decimal
    is_live: bool = True
    id: UUID = field(default_factory=uuid4)


@dataclass(eq=False, slots=True)
class Booking:
    booking_number: BookingNumber
    user_id: UUID
    showing_id: UUID
    currency: str
    created_at: datetime
    status: BookingStatus = BookingStatus.PENDING
    seats: list[SeatReservation] = field(default_factory=list)
    expires_at: datetime | None = None
    confirmed_at: datetime | None = None
    cancelled_at: datetime | None = None
    cancelled_by: CancelledBy | None = None
    id: UUID = field(default_factory=uuid4)
    # The facts this booking recorded in the current unit of work (collected and cleared at commit).
    events: list[DomainEvent] = field(default_factory=list, repr=False)

    @classmethod
    def open(
        cls,
        *,
        user_id: UUID,
        showing: Showing,
        seat_ids: Sequence[UUID],
        room_seats: Mapping[UUID, Seat],
        already_held_by_user: int,
        max_seats: int,
        now: datetime,
        hold_for: timedelta,
        confirm: bool,
        currency: str,
    ) -> Booking:
        """Open a booking on ``seat_ids`` of ``showing``: a hold until ``now + hold_for``, or confirmed at once.

        Rules: the showing is scheduled and has not started (ShowingNotBookable); every seat belongs to the
        showing's room (SeatNotInRoom) and is active (SeatsUnavailable names the blocked ones); the user holds at
        most ``max_seats`` live seats for the showing, counting this request (TooManySeats). Each seat is priced
        by its category. Whether a seat is free is decided by the database when the claims are written.
        """
        if not showing.is_bookable(now):
            raise ShowingNotBookable()
        foreign = [seat_id for seat_id in seat_ids if seat_id not in room_seats]
        if foreign:
            raise SeatNotInRoom(
                f"{len(foreign)} seat(s) are not in this showing's room.", seat_ids=[str(s) for s in foreign]
            )
        blocked = [str(seat_id) for seat_id in seat_ids if not room_seats[seat_id].is_active]
        if blocked:
            raise SeatsUnavailable(blocked, "Some seats are blocked.")
        if already_held_by_user + len(seat_ids) > max_seats:
            raise TooManySeats(
                f"At most {max_seats} seats per customer for one showing; you already hold {already_held_by_user}."
            )
        booking = cls(
            booking_number=BookingNumber.generate(),
            user_id=user_id,
            showing_id=showing.id,
            currency=currency,
            created_at=now,
            status=BookingStatus.CONFIRMED if confirm else BookingStatus.PENDING,
            expires_at=None if confirm else now + hold_for,
            confirmed_at=now if confirm else None,
        )
        for seat in sorted((room_seats[i] for i in seat_ids), key=lambda seat: (seat.row_index, seat.number)):
            booking.seats.append(
                SeatReservation(
                    booking_id=booking.id,
                    showing_id=showing.id,
                    seat_id=seat.id,
                    label=str(seat.label),
                    category=seat.category,
                    price=showing.price_for(seat.category),
                )
            )
        booking._record_status(now)
        return booking

    @property
    def total_price(self) -> Decimal:
        return sum((seat.price for seat in self.seats), Decimal("0.00"))

    @property
    def seat_ids(self) -> list[UUID]:
        return [seat.seat_id for seat in self.seats]

    def hold_lapsed(self, now: datetime) -> bool:
        return self.status is BookingStatus.PENDING and self.expires_at is not None and now >= self.expires_at

    def _release_seats(self) -> None:
        for seat in self.seats:
            seat.is_live = False

    def _record_status(self, now: datetime) -> None:
        self.events.append(
            BookingStatusChanged(now, self.id, self.showing_id, self.user_id, self.status.value, tuple(self.seat_ids))
        )

    def confirm(self, now: datetime) -> bool:
        """Confirm a live hold. Returns False when it was already confirmed (nothing changes)."""
        if self.status is BookingStatus.CONFIRMED:
            return False
        if self.status is BookingStatus.CANCELLED:
            raise BookingCancelled()
        if self.status is BookingStatus.EXPIRED or self.hold_lapsed(now):
            self.expire(now)
            raise HoldExpired()
        if self.status is not BookingStatus.PENDING:
            raise BookingCancelled(
                f"A {self.status.value} booking cannot be confirmed.", code="booking_not_confirmable"
            )
        self.status = BookingStatus.CONFIRMED
        self.confirmed_at = now
        self.expires_at = None
        self._record_status(now)
        return True

    def expire(self, now: datetime) -> bool:
        """Mark a lapsed hold expired and free its seats. Returns False when there was nothing to do."""
        if self.status is not BookingStatus.PENDING:
            return False
        self.status = BookingStatus.EXPIRED
        self._release_seats()
        self._record_status(now)
        return True

    def cancel(self, by: CancelledBy, now: datetime, starts_at: datetime, cutoff: timedelta) -> bool:
        """Cancel a live booking. Customers must do it ``cutoff`` before the start; managers always can.

        Returns False when it was already cancelled (nothing changes).
        """
        if self.status is BookingStatus.CANCELLED:
            return False
        if not self.status.is_live:
            raise CancellationClosed(f"A {self.status.value} booking cannot be cancelled.")
        if by is CancelledBy.CUSTOMER and now > starts_at - cutoff:
            raise CancellationClosed()
        self.status = BookingStatus.CANCELLED
        self.cancelled_at = now
        self.cancelled_by = by
        self.expires_at = None
        self._release_seats()
        self._record_status(now)
        return True

    def cancel_by(
        self, requester_id: UUID, *, as_manager: bool, now: datetime, starts_at: datetime, cutoff: timedelta
    ) -> bool:
        """Cancel at someone's request: a manager is not bound by the cutoff, and the record says who cancelled,
        the owner counting as the customer even when they cancel as a manager. Returns False as :meth:`cancel`."""
        changed = self.cancel(CancelledBy.MANAGER if as_manager else CancelledBy.CUSTOMER, now, starts_at, cutoff)
        if changed and requester_id == self.user_id:
            self.cancelled_by = CancelledBy.CUSTOMER
        return changed

    def complete(self) -> bool:
        if self.status is not BookingStatus.CONFIRMED:
            return False
        self.status = BookingStatus.COMPLETED
        return True
