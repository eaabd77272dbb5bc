"""Tickets in PostgreSQL. Check-in is one conditional UPDATE: of two doors scanning at once, one wins."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any
from uuid import UUID

from sqlalchemy import Row, select
from sqlalchemy.ext.asyncio import AsyncSession

from lynriescoop.adapters.postgres.driver import driver_connection
from lynriescoop.adapters.postgres.tables import tickets
from lynriescoop.application.ports.tickets import TicketRepository
from lynriescoop.domain.tickets import Ticket, TicketStatus
from lynriescoop.domain.values import SeatLabel


def _ticket(row: Row[Any]) -> Ticket:
    return Ticket(
        id=row.id,
        booking_id=row.booking_id,
        showing_id=row.showing_id,
        seat_id=row.seat_id,
        seat_label=row.seat_label,
        code=row.code,
        key_id=row.key_id,
        issued_at=row.issued_at,
        status=TicketStatus(row.status),
        checked_in_at=row.checked_in_at,
        revoked_at=row.revoked_at,
    )


_INSERT_TICKETS = """
    INSERT INTO tickets (id, booking_id, showing_id, seat_id, seat_label, code, key_id, status, issued_at,
                         checked_in_at, revoked_at)
    SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::uuid[], $4::uuid[], $5::text[], $6::text[], $7::text[],
                         $8::text[], $9::timestamptz[], $10::timestamptz[], $11::timestamptz[])
"""


class PostgresTicketRepository(TicketRepository):
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def add_many(self, items: Sequence[Ticket]) -> None:
        if not items:
            return
        # On the driver, one statement for all (it runs in every confirming transaction): docs/performance.md.
        driver = await driver_connection(self._session)
        await driver.execute(
            _INSERT_TICKETS,
            [t.id for t in items],
            [t.booking_id for t in items],
            [t.showing_id for t in items],
            [t.seat_id for t in items],
            [t.seat_label for t in items],
            [t.code for t in items],
            [t.key_id for t in items],
            [t.status.value for t in items],
            [t.issued_at for t in items],
            [t.checked_in_at for t in items],
            [t.revoked_at for t in items],
        )

    async def get(self, ticket_id: UUID) -> Ticket | None:
        row = (await self._session.execute(select(tickets).where(tickets.c.id == ticket_id))).first()
        return _ticket(row) if row else None

    async def of_booking(self, booking_id: UUID) -> Sequence[Ticket]:
        rows = (await self._session.execute(select(tickets).where(tickets.c.booking_id == booking_id))).all()
        found = [_ticket(r) for r in rows]
        return sorted(found, key=lambda t: (SeatLabel.sort_key(t.seat_label), str(t.id)))

    async def check_in(self, ticket_id: UUID, at: datetime) -> Ticket | None:
        # Under READ COMMITTED a concurrent UPDATE of the same row waits for the first to commit, then re-checks
        # the WHERE clause against the new row: it finds ``checked_in`` and updates nothing.
        stmt = (
            tickets.update()
            .where(tickets.c.id == ticket_id, tickets.c.status == TicketStatus.VALID.value)
            .values(status=TicketStatus.CHECKED_IN.value, checked_in_at=at)
            .returning(*tickets.c)
        )
        row = (await self._session.execute(stmt)).first()
        return _ticket(row) if row else None

    async def revoke_of_bookings(self, booking_ids: Sequence[UUID], at: datetime) -> Sequence[Ticket]:
        if not booking_ids:
            return []
        stmt = (
            tickets.update()
            .where(tickets.c.booking_id.in_(list(booking_ids)), tickets.c.status != TicketStatus.REVOKED.value)
            .values(status=TicketStatus.REVOKED.value, revoked_at=at)
            .returning(*tickets.c)
        )
        return [_ticket(r) for r in (await self._session.execute(stmt)).all()]

    async def revoked_ids(self, showing_id: UUID) -> Sequence[UUID]:
        stmt = (
            select(tickets.c.id)
            .where(tickets.c.showing_id == showing_id, tickets.c.status == TicketStatus.REVOKED.value)
            .order_by(tickets.c.revoked_at, tickets.c.id)
        )
        return list((await self._session.execute(stmt)).scalars())
