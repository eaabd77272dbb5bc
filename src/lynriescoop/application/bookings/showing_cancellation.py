"""What cancelling a showing does to its bookings."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from lynriescoop.application.bookings.seat_changes import record_customer_email, record_seat_change
from lynriescoop.application.ports.unit_of_work import UnitOfWork
from lynriescoop.application.tickets.issuing import revoke_tickets
from lynriescoop.domain.bookings import Booking, CancelledBy
from lynriescoop.domain.events import SeatChangeReason
from lynriescoop.domain.showings import Showing


async def cancel_bookings_of_showing(
    uow: UnitOfWork, showing: Showing, now: datetime, cancel_cutoff: timedelta
) -> Sequence[Booking]:
    """Cancel every pending or confirmed booking of ``showing`` and free their seats, in the caller's
    transaction (which must hold the showing's lock): one seat-map change, and an email to each customer."""
    live = list(await uow.bookings.live_bookings_of_showing(showing.id))
    for booking in live:
        booking.cancel(CancelledBy.SHOWING_CANCELLED, now, showing.start_time, cancel_cutoff)
        await uow.bookings.update(booking)
    if live:
        record_seat_change(showing, live, SeatChangeReason.CANCELLED, now)
        await revoke_tickets(uow, live, showing.id, now)
        for booking in live:
            view = await uow.bookings.view(booking.id)
            if view is not None:
                await record_customer_email(uow, view, showing, cancel_cutoff, now)
    return live
