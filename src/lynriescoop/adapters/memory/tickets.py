"""Tickets in memory, with the same rules as PostgreSQL (one ticket per seat of a booking, conditional check-in)."""

from __future__ import annotations

import copy
from collections.abc import Sequence
from datetime import datetime
from uuid import UUID

from lynriescoop.adapters.memory.store import MemoryState
from lynriescoop.application.ports.tickets import TicketRepository
from lynriescoop.domain.tickets import Ticket, TicketStatus
from lynriescoop.domain.values import SeatLabel


class MemoryTicketRepository(TicketRepository):
    def __init__(self, state: MemoryState) -> None:
        self._state = state

    async def add_many(self, tickets: Sequence[Ticket]) -> None:
        for ticket in tickets:
            taken = any(
                t.booking_id == ticket.booking_id and t.seat_id == ticket.seat_id for t in self._state.tickets.values()
            )
            if taken or ticket.id in self._state.tickets:
                raise ValueError("a seat of a booking has one ticket")
            self._state.tickets[ticket.id] = copy.deepcopy(ticket)

    async def get(self, ticket_id: UUID) -> Ticket | None:
        ticket = self._state.tickets.get(ticket_id)
        return copy.deepcopy(ticket) if ticket else None

    async def of_booking(self, booking_id: UUID) -> Sequence[Ticket]:
        found = [t for t in self._state.tickets.values() if t.booking_id == booking_id]
        return [copy.deepcopy(t) for t in sorted(found, key=lambda t: (SeatLabel.sort_key(t.seat_label), str(t.id)))]

    async def check_in(self, ticket_id: UUID, at: datetime) -> Ticket | None:
        ticket = self._state.tickets.get(ticket_id)
        if ticket is None or ticket.status is not TicketStatus.VALID:
            return None
        ticket.status = TicketStatus.CHECKED_IN
        ticket.checked_in_at = at
        return copy.deepcopy(ticket)

    async def revoke_of_bookings(self, booking_ids: Sequence[UUID], at: datetime) -> Sequence[Ticket]:
        wanted = set(booking_ids)
        revoked = [t for t in self._state.tickets.values() if t.booking_id in wanted and t.revoke(at)]
        return [copy.deepcopy(t) for t in revoked]

    async def revoked_ids(self, showing_id: UUID) -> Sequence[UUID]:
        revoked = [
            t for t in self._state.tickets.values() if t.showing_id == showing_id and t.status is TicketStatus.REVOKED
        ]
        return [t.id for t in sorted(revoked, key=lambda t: (t.revoked_at, str(t.id)))]
