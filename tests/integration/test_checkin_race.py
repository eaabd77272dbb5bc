"""Two doors scanning one ticket at the same moment, on the real PostgreSQL: the conditional UPDATE lets exactly
one transaction admit it, even when both read it as ``valid`` first."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncEngine

from lynriescoop.adapters.postgres.engine import make_session_factory
from lynriescoop.adapters.postgres.unit_of_work import PostgresUnitOfWork
from lynriescoop.application.delivery.routing import route_event
from lynriescoop.domain.bookings import Booking
from lynriescoop.domain.tickets import Ticket, TicketStatus
from tests.factories import build_world, make_user, put_in_postgres

NOW = datetime.now(UTC).replace(microsecond=0)


async def test_the_second_door_waits_for_the_first_and_admits_no_one(clean_db: AsyncEngine) -> None:
    world = build_world(now=NOW)
    world.users = {"ann": make_user("ann@example.com")}
    await put_in_postgres(clean_db, world)
    sessions = make_session_factory(clean_db)
    booking = Booking.open(
        user_id=world.users["ann"].id,
        showing=world.showing,
        seat_ids=[world.seat("A1").id],
        room_seats={s.id: s for s in world.room.seats},
        already_held_by_user=0,
        max_seats=10,
        now=NOW,
        hold_for=timedelta(minutes=10),
        confirm=True,
        currency="EUR",
    )
    ticket = Ticket(booking.id, world.showing.id, world.seat("A1").id, "A1", "CODE", "00000000", NOW)
    async with PostgresUnitOfWork(sessions, route_event) as uow:
        await uow.bookings.add(booking)
        await uow.tickets.add_many([ticket])
        await uow.commit()

    first_door, second_door = PostgresUnitOfWork(sessions, route_event), PostgresUnitOfWork(sessions, route_event)
    async with first_door, second_door:
        # Both doors read the ticket as valid before either writes.
        seen = [await first_door.tickets.get(ticket.id), await second_door.tickets.get(ticket.id)]
        assert [t.status for t in seen if t] == [TicketStatus.VALID, TicketStatus.VALID]
        admitted = await first_door.tickets.check_in(ticket.id, NOW)
        # The second door's UPDATE blocks on the row until the first commits, then finds it checked in.
        racing = asyncio.create_task(second_door.tickets.check_in(ticket.id, NOW + timedelta(seconds=1)))
        await asyncio.sleep(0.3)
        assert not racing.done()
        await first_door.commit()
        assert await asyncio.wait_for(racing, 10) is None
        after = await second_door.tickets.get(ticket.id)
    assert admitted is not None and admitted.checked_in_at == NOW
    assert after is not None and (after.status, after.checked_in_at) == (TicketStatus.CHECKED_IN, NOW)
