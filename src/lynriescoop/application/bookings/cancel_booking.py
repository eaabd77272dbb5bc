"""Cancel a booking."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any
from uuid import UUID

from lynriescoop.application.bookings.seat_changes import lock_booking, record_customer_email, record_seat_change
from lynriescoop.application.bookings.serialization import booking_document
from lynriescoop.application.ports.clock import Clock
from lynriescoop.application.ports.unit_of_work import UnitOfWorkFactory
from lynriescoop.application.tickets.issuing import revoke_tickets
from lynriescoop.domain.bookings import CancelledBy
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
    customer is emailed.
    """

    def __init__(self, uow_factory: UnitOfWorkFactory, clock: Clock, *, cancel_cutoff: timedelta) -> None:
        self._uow = uow_factory
        self._clock = clock
        self._cancel_cutoff = cancel_cutoff

    async def __call__(self, command: CancelBookingCommand) -> dict[str, Any]:
        now = self._clock.now()
        async with self._uow() as uow:
            booking, showing = await lock_booking(
                uow, command.booking_id, command.user_id, as_manager=command.as_manager
            )
            # Managers are not bound by the cutoff; the record says who cancelled (the owner counts as customer).
            policy = CancelledBy.MANAGER if command.as_manager else CancelledBy.CUSTOMER
            changed = booking.cancel(policy, now, showing.start_time, self._cancel_cutoff)
            if changed:
                if booking.user_id == command.user_id:
                    booking.cancelled_by = CancelledBy.CUSTOMER
                await uow.bookings.update(booking)
                record_seat_change(showing, [booking], SeatChangeReason.RELEASED, now)
                await revoke_tickets(uow, [booking], showing.id, now)
            view = await uow.bookings.view(booking.id)
            assert view is not None
            if changed:
                await record_customer_email(uow, view, showing, self._cancel_cutoff, now)
            await uow.commit()
        return booking_document(view)
