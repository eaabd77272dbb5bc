"""Cancel a booking."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from uuid import UUID

from lynriescoop.application.bookings.seat_changes import lock_booking, record_customer_email, record_seat_change
from lynriescoop.application.ports.bookings import BookingView
from lynriescoop.application.ports.clock import Clock
from lynriescoop.application.ports.unit_of_work import UnitOfWorkFactory
from lynriescoop.application.tickets.issuing import revoke_tickets
from lynriescoop.domain.events import SeatChangeReason


@dataclass(frozen=True, slots=True)
class CancelBookingCommand:
    user_id: UUID
    booking_id: UUID
    as_manager: bool = False


class CancelBooking:
    """Cancel a pending or confirmed booking and release its seats.

    Rules: the owner or a manager may cancel (anyone else: BookingNotFound); a customer must do it at least
    ``cancel_cutoff`` before the start (CancellationClosed), a manager always can; cancelling a cancelled
    booking changes nothing; an expired or completed booking cannot be cancelled (CancellationClosed). The
    customer is emailed. Lean like confirming (ConfirmBooking): two statements lock and read the booking, and the
    answer and the email are built from what the transaction holds.
    """

    def __init__(self, uow_factory: UnitOfWorkFactory, clock: Clock, *, cancel_cutoff: timedelta) -> None:
        self._uow = uow_factory
        self._clock = clock
        self._cancel_cutoff = cancel_cutoff

    async def __call__(self, command: CancelBookingCommand) -> BookingView:
        now = self._clock.now()
        async with self._uow() as uow:
            locked, showing = await lock_booking(
                uow, command.booking_id, command.user_id, as_manager=command.as_manager
            )
            booking = locked.booking
            changed = booking.cancel_by(
                command.user_id,
                as_manager=command.as_manager,
                now=now,
                starts_at=showing.start_time,
                cutoff=self._cancel_cutoff,
            )
            if changed:
                await uow.bookings.update(booking)
                record_seat_change(showing, [booking], SeatChangeReason.RELEASED, now)
                await revoke_tickets(uow, [booking], showing.id, now)
            view = BookingView(booking, locked.showing)
            if changed:
                await record_customer_email(uow, view, showing, self._cancel_cutoff, now, locked.customer)
            await uow.commit()
        return view
