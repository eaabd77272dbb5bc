"""Recording seat changes: every change of a showing's seats raises its seat-map version once (the showing
records it); customer emails are recorded with everything they need to render later."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from uuid import UUID

from lynriescoop.application.ports.bookings import BookingView, LockedBooking, UserBrief
from lynriescoop.application.ports.unit_of_work import UnitOfWork
from lynriescoop.application.tickets.issuing import ticket_lines
from lynriescoop.domain.bookings import Booking, BookingStatus
from lynriescoop.domain.errors import BookingNotFound
from lynriescoop.domain.events import (
    BookingCancelled,
    BookingConfirmed,
    BookingDetails,
    SeatChangeReason,
    SeatState,
)
from lynriescoop.domain.showings import Showing
from lynriescoop.domain.tickets import Ticket


def record_seat_change(
    showing: Showing,
    bookings: Sequence[Booking],
    reason: SeatChangeReason,
    now: datetime,
) -> int:
    """The seats of ``bookings`` changed for ``reason``: the (locked) showing raises its seat version once and
    records the delta. Each booking recorded its own status change when it changed. Returns the new version."""
    seats = (
        SeatState(seat.seat_id, seat.label, reason.seat_status)
        for booking in bookings
        for seat in sorted(booking.seats, key=lambda s: s.label)
    )
    return showing.record_seat_change(reason, seats, now)


async def record_customer_email(
    uow: UnitOfWork,
    view: BookingView,
    showing: Showing,
    cancel_cutoff: timedelta,
    now: datetime,
    recipient: UserBrief | None = None,
    issued: Sequence[Ticket] | None = None,
) -> None:
    """Record the confirmation or cancellation email of the booking in ``view`` (read after the change) with
    everything it needs to render later. ``recipient``: the customer when the caller read it already."""
    booking = view.booking
    if recipient is None:
        user = await uow.users.get(booking.user_id)
        if user is None:
            return
        recipient = UserBrief(user.id, user.email.value, user.name)
    details = BookingDetails(
        recipient_email=recipient.email,
        recipient_name=recipient.name,
        booking_number=booking.booking_number.value,
        movie_title=view.showing.movie_title,
        room_name=view.showing.room_name,
        start_time=showing.start_time,
        seat_labels=tuple(seat.label for seat in booking.seats),
        total_price=booking.total_price,
        currency=booking.currency,
        cancel_deadline=showing.start_time - cancel_cutoff,
        # The cancelled_by code; the email renderer words it.
        reason=booking.cancelled_by.value if booking.cancelled_by else None,
        tickets=await ticket_lines(uow, booking, issued),
    )
    if booking.status is BookingStatus.CONFIRMED:
        uow.record(BookingConfirmed(now, booking.id, details))
    elif booking.status is BookingStatus.CANCELLED:
        uow.record(BookingCancelled(now, booking.id, details))


async def lock_booking(
    uow: UnitOfWork, booking_id: UUID, user_id: UUID, *, as_manager: bool
) -> tuple[LockedBooking, Showing]:
    """The booking, locked for change together with its showing (lock order everywhere: showing, then its
    bookings), with what an answer and an email about it need; two statements. Someone else's booking does not
    exist for a customer (BookingNotFound)."""
    showing = await uow.bookings.lock_showing_of_booking(booking_id, None if as_manager else user_id)
    locked = await uow.bookings.lock_booking(showing, booking_id) if showing is not None else None
    if showing is None or locked is None:
        raise BookingNotFound()
    return locked, showing


async def release_lapsed_holds(uow: UnitOfWork, showing: Showing, now: datetime) -> Sequence[Booking]:
    """Expire the lapsed holds of a (locked) showing and free their seats, inside the caller's transaction.

    This is what makes an expired hold never block anyone, even before the sweeper has run.
    """
    lapsed = list(await uow.bookings.lapsed_holds(showing.id, now))
    for booking in lapsed:
        booking.expire(now)
        await uow.bookings.update(booking)
    if lapsed:
        record_seat_change(showing, lapsed, SeatChangeReason.EXPIRED, now)
    return lapsed
