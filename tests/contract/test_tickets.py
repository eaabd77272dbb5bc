"""The ticket repository behaves the same in memory and in PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from lynriescoop.domain.bookings import Booking
from lynriescoop.domain.tickets import Ticket, TicketStatus
from tests.contract.conftest import Backend
from tests.factories import World, build_world, make_user

NOW = datetime.now(UTC).replace(microsecond=0)


async def _booked(backend: Backend, *labels: str) -> tuple[World, Booking]:
    world = build_world(now=NOW)
    world.users = {"ann": make_user("ann@example.com")}
    await backend.put_world(world)
    booking = Booking.open(
        user_id=world.users["ann"].id,
        showing=world.showing,
        seat_ids=[world.seat(label).id for label in labels],
        room_seats={s.id: s for s in world.room.seats},
        already_held_by_user=0,
        max_seats=10,
        now=NOW,
        hold_for=timedelta(minutes=10),
        confirm=True,
        currency="EUR",
    )
    async with backend.uow_factory() as uow:
        await uow.bookings.add(booking)
        await uow.commit()
    return world, booking


def _tickets(booking: Booking) -> list[Ticket]:
    return [
        Ticket(booking.id, booking.showing_id, seat.seat_id, seat.label, f"CODE{seat.label}", "0a1b2c3d", NOW)
        for seat in booking.seats
    ]


async def test_tickets_round_trip_in_seat_order(backend: Backend) -> None:
    _, booking = await _booked(backend, "B10", "B2", "A1")
    tickets = _tickets(booking)
    async with backend.uow_factory() as uow:
        await uow.tickets.add_many(tickets)
        await uow.commit()
    async with backend.uow_factory() as uow:
        found = await uow.tickets.of_booking(booking.id)
        one = await uow.tickets.get(tickets[0].id)
    assert [t.seat_label for t in found] == ["A1", "B2", "B10"]
    assert one is not None and (one.code, one.key_id, one.status, one.issued_at) == (
        tickets[0].code,
        "0a1b2c3d",
        TicketStatus.VALID,
        NOW,
    )


async def test_check_in_is_conditional(backend: Backend) -> None:
    _, booking = await _booked(backend, "A1")
    [ticket] = _tickets(booking)
    async with backend.uow_factory() as uow:
        await uow.tickets.add_many([ticket])
        first = await uow.tickets.check_in(ticket.id, NOW)
        second = await uow.tickets.check_in(ticket.id, NOW + timedelta(minutes=1))
        await uow.commit()
    assert first is not None and (first.status, first.checked_in_at) == (TicketStatus.CHECKED_IN, NOW)
    assert second is None
    async with backend.uow_factory() as uow:
        stored = await uow.tickets.get(ticket.id)
    assert stored is not None and stored.checked_in_at == NOW


async def test_revoking_is_final_and_the_showing_lists_every_revoked_ticket(backend: Backend) -> None:
    world, booking = await _booked(backend, "A1", "A2")
    tickets = _tickets(booking)
    async with backend.uow_factory() as uow:
        await uow.tickets.add_many(tickets)
        assert await uow.tickets.check_in(tickets[0].id, NOW) is not None
        revoked = await uow.tickets.revoke_of_bookings([booking.id], NOW + timedelta(minutes=1))
        again = await uow.tickets.revoke_of_bookings([booking.id], NOW + timedelta(minutes=2))
        listed = await uow.tickets.revoked_ids(world.showing.id)
        assert await uow.tickets.check_in(tickets[1].id, NOW) is None
        await uow.commit()
    assert sorted(t.id for t in revoked) == sorted(t.id for t in tickets)  # a used ticket is revoked too
    assert again == [] or list(again) == []
    assert sorted(listed) == sorted(t.id for t in tickets)
    async with backend.uow_factory() as uow:
        assert {t.status for t in await uow.tickets.of_booking(booking.id)} == {TicketStatus.REVOKED}
        assert await uow.tickets.revoked_ids(world.showing.id) == listed
