"""Confirm a hold."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from uuid import UUID

from lynriescoop.application.bookings.seat_changes import (
    lock_booking,
    record_customer_email,
    record_seat_change,
    release_lapsed_holds,
)
from lynriescoop.application.ports.bookings import BookingView
from lynriescoop.application.ports.clock import Clock
from lynriescoop.application.ports.tickets import TicketSigner
from lynriescoop.application.ports.unit_of_work import UnitOfWorkFactory
from lynriescoop.application.tickets.issuing import issue_tickets
from lynriescoop.domain.errors import HoldExpired, NotAuthenticated
from lynriescoop.domain.events import SeatChangeReason


@dataclass(frozen=True, slots=True)
class ConfirmBookingCommand:
    user_id: UUID
    booking_id: UUID


class ConfirmBooking:
    """Turn the caller's own pending hold into a confirmed booking.

    Rules: only the owner may confirm (anyone else: BookingNotFound, existence is not revealed); confirming a
    confirmed booking changes nothing; a cancelled booking is BookingCancelled; a hold that has lapsed is
    expired, its seats released (that change is committed), and the answer is HoldExpired. The customer's account
    is checked in the same transaction: unknown or disabled is NotAuthenticated.

    Lean like placing a booking (docs/performance.md): the showing is locked by the booking's id, then the booking
    is locked and read with its claims, titles, customer and whether it has tickets in one statement; the answer
    and the email are built from what the transaction holds, not read again.
    """

    def __init__(
        self, uow_factory: UnitOfWorkFactory, clock: Clock, *, cancel_cutoff: timedelta, signer: TicketSigner
    ) -> None:
        self._uow = uow_factory
        self._clock = clock
        self._cancel_cutoff = cancel_cutoff
        self._signer = signer

    async def __call__(self, command: ConfirmBookingCommand) -> BookingView:
        now = self._clock.now()
        async with self._uow() as uow:
            locked, showing = await lock_booking(uow, command.booking_id, command.user_id, as_manager=False)
            if locked.customer is None:
                raise NotAuthenticated("The account is unknown or disabled.")
            booking = locked.booking
            if booking.hold_lapsed(now):
                await release_lapsed_holds(uow, showing, now)
                await uow.commit()
                raise HoldExpired()
            changed = booking.confirm(now)
            view = BookingView(booking, locked.showing)
            if changed:
                await uow.bookings.update(booking)
                record_seat_change(showing, [booking], SeatChangeReason.BOOKED, now)
                fresh = not locked.has_tickets  # known to have none: no need to look
                issued = await issue_tickets(uow, booking, showing, self._signer, now, fresh=fresh)
                await record_customer_email(
                    uow, view, showing, self._cancel_cutoff, now, locked.customer, issued or None
                )
            await uow.commit()
        return view
