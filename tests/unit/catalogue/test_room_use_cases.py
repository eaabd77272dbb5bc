"""Room use cases on the in-memory adapters."""

from __future__ import annotations

from datetime import timedelta

import pytest

from lynriescoop.application.catalogue.rooms.create_room import CreateRoom, CreateRoomCommand
from lynriescoop.application.catalogue.rooms.delete_room import DeleteRoom, DeleteRoomCommand
from lynriescoop.application.catalogue.rooms.get_room import GetRoom, GetRoomQuery
from lynriescoop.application.catalogue.rooms.list_rooms import ListRooms, ListRoomsQuery
from lynriescoop.application.catalogue.rooms.update_room import UpdateRoom, UpdateRoomCommand
from lynriescoop.application.catalogue.rooms.update_seat import UpdateSeat, UpdateSeatCommand
from lynriescoop.domain.bookings import BookingStatus
from lynriescoop.domain.errors import InvalidRoomLayout, RoomHasShowings, RoomNameTaken, RoomNotFound, SeatNotFound
from lynriescoop.domain.events import SeatChangeReason, SeatsChanged, SeatState
from lynriescoop.domain.rooms import Features, RowSpec, SeatCategory
from lynriescoop.domain.showings import ShowingStatus
from tests.unit.catalogue.conftest import Cinema


async def test_create_room_stores_the_layout(cinema: Cinema) -> None:
    room = await CreateRoom(cinema.uow, cinema.clock)(
        CreateRoomCommand(
            "  Aurora ", Features(has_imax=True), [RowSpec("A", 10), RowSpec("B", 12, SeatCategory.PREMIUM)]
        )
    )
    stored = await GetRoom(cinema.uow)(GetRoomQuery(room.id))
    assert stored.name == "Aurora" and stored.features == Features(has_imax=True)
    assert stored.capacity == 22
    assert [(label, len(seats)) for label, seats in stored.rows] == [("A", 10), ("B", 12)]
    assert stored.created_at == cinema.clock.now()


async def test_room_names_are_unique_case_insensitively(cinema: Cinema) -> None:
    create = CreateRoom(cinema.uow, cinema.clock)
    await create(CreateRoomCommand("Aurora", Features(), [RowSpec("A", 1)]))
    with pytest.raises(RoomNameTaken):
        await create(CreateRoomCommand("AURORA", Features(), [RowSpec("A", 1)]))
    with pytest.raises(InvalidRoomLayout):
        await create(CreateRoomCommand("Borealis", Features(), []))
    assert len(cinema.store.state.rooms) == 1


async def test_unknown_room_is_not_found(cinema: Cinema) -> None:
    from uuid import uuid4

    with pytest.raises(RoomNotFound):
        await GetRoom(cinema.uow)(GetRoomQuery(uuid4()))
    with pytest.raises(RoomNotFound):
        await DeleteRoom(cinema.uow)(DeleteRoomCommand(uuid4()))
    with pytest.raises(RoomNotFound):
        await UpdateRoom(cinema.uow, cinema.clock)(UpdateRoomCommand(uuid4(), name="x"))


async def test_list_rooms_by_name_with_active_capacity(cinema: Cinema) -> None:
    cosmos = cinema.add_room("cosmos", rows=2, per_row=5)
    cinema.add_room("Aurora", rows=1, per_row=3)
    cosmos.seats[0].is_active = False
    page = await ListRooms(cinema.uow)(ListRoomsQuery(limit=10, offset=0))
    assert [(r.name, r.capacity) for r in page.items] == [("Aurora", 3), ("cosmos", 9)]
    assert page.total == 2
    second = await ListRooms(cinema.uow)(ListRoomsQuery(limit=1, offset=1))
    assert [r.name for r in second.items] == ["cosmos"] and second.total == 2


async def test_update_room_renames_and_refuses_a_clash(cinema: Cinema) -> None:
    aurora = cinema.add_room("Aurora")
    cinema.add_room("Borealis")
    update = UpdateRoom(cinema.uow, cinema.clock)
    cinema.clock.advance(timedelta(minutes=1))
    renamed = await update(UpdateRoomCommand(aurora.id, name="Aurora 1", has_dolby=True))
    assert renamed.name == "Aurora 1" and renamed.features == Features(has_dolby=True)
    assert renamed.updated_at == cinema.clock.now()
    with pytest.raises(RoomNameTaken):
        await update(UpdateRoomCommand(aurora.id, name="borealis"))
    assert cinema.store.state.rooms[aurora.id].name == "Aurora 1"


async def test_a_feature_in_use_by_a_scheduled_showing_stays(cinema: Cinema) -> None:
    room = cinema.add_room("Aurora", has_3d=True, has_dolby=True)
    movie = cinema.add_movie()
    showing = cinema.add_showing(movie, room, timedelta(days=1), is_3d=True)
    cinema.add_showing(movie, room, -timedelta(days=1), is_dolby=True)  # over: its format no longer matters
    update = UpdateRoom(cinema.uow, cinema.clock)
    with pytest.raises(RoomHasShowings, match="3d"):
        await update(UpdateRoomCommand(room.id, has_3d=False))
    assert (await update(UpdateRoomCommand(room.id, has_dolby=False))).features == Features(has_3d=True)
    cinema.store.state.showings[showing.id].status = ShowingStatus.CANCELLED  # the store holds copies
    assert (await update(UpdateRoomCommand(room.id, has_3d=False))).features == Features()


async def test_blocking_a_seat_bumps_each_future_seat_map_once(cinema: Cinema) -> None:
    room = cinema.add_room("Aurora")
    movie = cinema.add_movie()
    first = cinema.add_showing(movie, room, timedelta(days=1))
    second = cinema.add_showing(movie, room, timedelta(days=2), seat_version=7)
    past = cinema.add_showing(movie, room, -timedelta(days=1))
    cancelled = cinema.add_showing(movie, room, timedelta(days=3), status=ShowingStatus.CANCELLED)
    seat = room.seats[0]
    cinema.add_booking(second, [seat.id], BookingStatus.CONFIRMED)

    update = UpdateSeat(cinema.uow, cinema.clock)
    blocked = await update(UpdateSeatCommand(room.id, seat.id, is_active=False))
    assert blocked.is_active is False
    state = cinema.store.state
    assert state.rooms[room.id].seat(seat.id).is_active is False  # type: ignore[union-attr]
    versions = {s.id: s.seat_version for s in state.showings.values()}
    assert versions == {first.id: 1, second.id: 8, past.id: 0, cancelled.id: 0}
    assert cinema.events == [
        SeatsChanged(cinema.clock.now(), first.id, 1, SeatChangeReason.BLOCKED, (SeatState(seat.id, "A1", "blocked"),)),
        SeatsChanged(
            cinema.clock.now(), second.id, 8, SeatChangeReason.BLOCKED, (SeatState(seat.id, "A1", "blocked"),)
        ),
    ]

    # Blocking again changes nothing; unblocking tells each map what the seat is now (booked where it is).
    await update(UpdateSeatCommand(room.id, seat.id, is_active=False))
    assert len(cinema.events) == 2
    await update(UpdateSeatCommand(room.id, seat.id, is_active=True))
    assert [(e.showing_id, e.version, e.reason, e.seats[0].status) for e in cinema.events[2:]] == [  # type: ignore[attr-defined]
        (first.id, 2, SeatChangeReason.UNBLOCKED, "available"),
        (second.id, 9, SeatChangeReason.UNBLOCKED, "booked"),
    ]


async def test_a_new_category_is_stored_without_seat_events(cinema: Cinema) -> None:
    room = cinema.add_room("Aurora")
    cinema.add_showing(cinema.add_movie(), room, timedelta(days=1))
    seat = room.seats[1]
    updated = await UpdateSeat(cinema.uow, cinema.clock)(
        UpdateSeatCommand(room.id, seat.id, category=SeatCategory.WHEELCHAIR)
    )
    assert updated.category is SeatCategory.WHEELCHAIR and updated.is_accessible
    assert cinema.store.state.rooms[room.id].seat(seat.id).category is SeatCategory.WHEELCHAIR  # type: ignore[union-attr]
    assert cinema.events == []


async def test_a_seat_of_another_room_is_not_found(cinema: Cinema) -> None:
    aurora, borealis = cinema.add_room("Aurora"), cinema.add_room("Borealis")
    with pytest.raises(SeatNotFound):
        await UpdateSeat(cinema.uow, cinema.clock)(UpdateSeatCommand(aurora.id, borealis.seats[0].id, is_active=False))
    assert borealis.seats[0].is_active


async def test_delete_room_only_without_showings(cinema: Cinema) -> None:
    room = cinema.add_room("Aurora")
    empty = cinema.add_room("Borealis")
    cinema.add_showing(cinema.add_movie(), room, -timedelta(days=30), status=ShowingStatus.CANCELLED)
    delete = DeleteRoom(cinema.uow)
    with pytest.raises(RoomHasShowings):
        await delete(DeleteRoomCommand(room.id))
    await delete(DeleteRoomCommand(empty.id))
    assert set(cinema.store.state.rooms) == {room.id}
