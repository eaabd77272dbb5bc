"""Issuing and revoking tickets, inside the transaction that confirms or cancels a booking.

Each is one call from the booking use cases: ``await issue_tickets(uow, booking, showing, signer, now)`` after a
booking became confirmed, ``await revoke_tickets(uow, bookings, showing_id, now)`` after bookings were cancelled.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from uuid import UUID, uuid4

from lynriescoop.application.ports.tickets import TicketSigner
from lynriescoop.application.ports.unit_of_work import UnitOfWork
from lynriescoop.domain.bookings import Booking, BookingStatus
from lynriescoop.domain.events import TicketLine, TicketsRevoked
from lynriescoop.domain.showings import Showing
from lynriescoop.domain.tickets import Ticket, TicketClaims


async def issue_tickets(
    uow: UnitOfWork,
    booking: Booking,
    showing: Showing,
    signer: TicketSigner,
    now: datetime,
    *,
    fresh: bool = False,
) -> Sequence[Ticket]:
    """One signed ticket per seat of a confirmed booking that has none yet (issuing twice changes nothing).
    ``fresh``: the caller knows the booking has none yet (opened in this very transaction, or read so): no need to
    look."""
    if booking.status is not BookingStatus.CONFIRMED:
        return ()
    if not fresh and await uow.tickets.of_booking(booking.id):
        return ()
    tickets = []
    for seat in booking.seats:
        ticket_id = uuid4()
        claims = TicketClaims(ticket_id, showing.id, seat.label, showing.start_time, signer.key_id)
        tickets.append(
            Ticket(
                booking_id=booking.id,
                showing_id=showing.id,
                seat_id=seat.seat_id,
                seat_label=seat.label,
                code=signer.sign(claims),
                key_id=signer.key_id,
                issued_at=now,
                id=ticket_id,
            )
        )
    await uow.tickets.add_many(tickets)
    return tickets


async def revoke_tickets(uow: UnitOfWork, bookings: Sequence[Booking], showing_id: UUID, now: datetime) -> None:
    """Revoke the tickets of cancelled ``bookings`` (all of one showing) and announce the showing's FULL list of
    revoked tickets, read in this transaction (which holds the showing's lock, so lists go out in order)."""
    revoked = await uow.tickets.revoke_of_bookings([b.id for b in bookings], now)
    if not revoked:
        return
    every = tuple(await uow.tickets.revoked_ids(showing_id))
    uow.record(TicketsRevoked(now, showing_id, len(every), every))


async def ticket_lines(
    uow: UnitOfWork, booking: Booking, issued: Sequence[Ticket] | None = None
) -> tuple[TicketLine, ...]:
    """The tickets a confirmation email shows (none for a booking that is not confirmed); ``issued``: the tickets
    this transaction just issued, when the caller has them (no need to read them back)."""
    if booking.status is not BookingStatus.CONFIRMED:
        return ()
    found = issued if issued is not None else await uow.tickets.of_booking(booking.id)
    return tuple(TicketLine(t.id, t.seat_label, t.code) for t in found)
