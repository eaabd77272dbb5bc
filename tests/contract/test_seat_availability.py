"""``seat_availability`` (what the seat rules and best available read) is the same in memory and in PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from lynriescoop.domain.bookings import Booking
from tests.contract.conftest import Backend
from tests.factories import World, build_world, make_user

NOW = datetime.now(UTC).replace(microsecond=0)


def _open(world: World, labels: list[str], *, confirm: bool, now: datetime) -> Booking:
    return Booking.open(
        user_id=world.users["ann"].id,
        showing=world.showing,
        seat_ids=[world.seat(label).id for label in labels],
        room_seats={s.id: s for s in world.room.seats},
        already_held_by_user=0,
        max_seats=10,
        now=now,
        hold_for=timedelta(minutes=10),
        confirm=confirm,
        currency="EUR",
    )


async def test_rows_touched_with_held_booked_blocked_and_lapsed_seats(backend: Backend) -> None:
    world = build_world(now=NOW, rows=3, per_row=4)
    world.users = {"ann": make_user("ann@example.com")}
    world.seat("B4").is_active = False
    await backend.put_world(world)
    async with backend.uow_factory() as uow:
        await uow.bookings.add(_open(world, ["B1"], confirm=True, now=NOW))  # booked
        await uow.bookings.add(_open(world, ["B2"], confirm=False, now=NOW))  # held until NOW + 10 min
        await uow.bookings.add(_open(world, ["C1"], confirm=False, now=NOW - timedelta(minutes=11)))  # lapsed
        await uow.commit()
    async with backend.uow_factory() as uow:
        touched = await uow.bookings.seat_availability(
            world.showing.id, world.room.id, NOW, [world.seat("B3").id, world.seat("C2").id]
        )
        everything = await uow.bookings.seat_availability(world.showing.id, world.room.id, NOW)
        later = await uow.bookings.seat_availability(world.showing.id, world.room.id, NOW + timedelta(minutes=10))
    seen = {s.label: s.available for s in touched}
    assert seen == {
        "B1": False,
        "B2": False,
        "B3": True,
        "B4": False,
        "C1": True,  # a lapsed hold blocks no one, swept or not
        "C2": True,
        "C3": True,
        "C4": True,
    }
    assert len(everything) == 12 and {s.label for s in everything if not s.available} == {"B1", "B2", "B4"}
    assert {s.label for s in later if not s.available} == {"B1", "B4"}  # the hold of B2 lapsed at NOW + 10 min
    b3 = next(s for s in touched if s.label == "B3")
    assert (b3.row, b3.row_index, b3.number, b3.seat_id) == ("B", 1, 3, world.seat("B3").id)
