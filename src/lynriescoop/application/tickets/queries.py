"""Reading tickets: a booking's tickets, one ticket for its QR code, and the verification keys."""

from __future__ import annotations

from collections.abc import Sequence
from uuid import UUID

from lynriescoop.application.ports.tickets import PublicKey, TicketSigner
from lynriescoop.application.ports.unit_of_work import UnitOfWorkFactory
from lynriescoop.domain.errors import BookingNotFound, TicketNotFound
from lynriescoop.domain.tickets import Ticket


class ListBookingTickets:
    """The tickets of a booking, in seat order, for its owner or a manager (anyone else: BookingNotFound).

    A pending or expired booking has none; a cancelled booking's tickets stay listed as ``revoked``."""

    def __init__(self, uow_factory: UnitOfWorkFactory) -> None:
        self._uow = uow_factory

    async def __call__(self, booking_id: UUID, user_id: UUID, *, as_manager: bool) -> Sequence[Ticket]:
        async with self._uow() as uow:
            booking = await uow.bookings.get(booking_id)
            if booking is None or (booking.user_id != user_id and not as_manager):
                raise BookingNotFound()
            return await uow.tickets.of_booking(booking_id)


class GetTicket:
    """One ticket, for the owner of its booking or a manager (anyone else: TicketNotFound)."""

    def __init__(self, uow_factory: UnitOfWorkFactory) -> None:
        self._uow = uow_factory

    async def __call__(self, ticket_id: UUID, user_id: UUID, *, as_manager: bool) -> Ticket:
        async with self._uow() as uow:
            ticket = await uow.tickets.get(ticket_id)
            booking = await uow.bookings.get(ticket.booking_id) if ticket is not None else None
        if ticket is None or booking is None or (booking.user_id != user_id and not as_manager):
            raise TicketNotFound()
        return ticket


class ListTicketKeys:
    """The public keys a scanner needs to verify ticket codes offline: every key whose tickets are still valid."""

    def __init__(self, signer: TicketSigner) -> None:
        self._signer = signer

    def __call__(self) -> Sequence[PublicKey]:
        return self._signer.public_keys()
