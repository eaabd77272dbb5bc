"""The room repository behaves the same in memory and in PostgreSQL."""

from __future__ import annotations

from datetime import timedelta
from uuid import uuid4

import pytest

from lynriescoop.application.ports.unit_of_work import UnitOfWorkFactory
from lynriescoop.domain.errors import RoomNameTaken
from lynriescoop.domain.rooms import Features, SeatCategory
from lynriescoop.domain.showings import ShowingStatus
from tests.contract.catalogue_data import NOW, add_movie, add_room, add_showing, make_room


async def test_add_then_get_round_trips_the_layout(uow_factory: UnitOfWorkFactory) -> None:
    room = make_room("Aurora", rows=3, per_row=4, has_3d=True, has_dolby=True)
    async with uow_factory() as uow:
        await uow.rooms.add(room)
        await uow.commit()
    async with uow_factory() as uow:
        found = await uow.rooms.get(room.id)
        locked = await uow.rooms.get_for_update(room.id)
        by_name = await uow.rooms.get_by_name(" aURORA ")
        missing = await uow.rooms.get(uuid4())
    assert found is not None and locked is not None and by_name is not None and missing is None
    assert found.id == locked.id == by_name.id == room.id
    assert (found.name, found.features, found.created_at, found.updated_at) == (
        "Aurora",
        Features(has_3d=True, has_dolby=True),
        NOW,
        NOW,
    )
    expected = [(s.id, s.row, s.number, s.row_index, s.category, s.is_active) for s in room.seats]
    assert [(s.id, s.row, s.number, s.row_index, s.category, s.is_active) for s in found.seats] == expected
    assert found.seats[0].category is SeatCategory.WHEELCHAIR and found.seats[-1].category is SeatCategory.PREMIUM
    assert found.capacity == 12


async def test_names_are_unique_case_insensitively(uow_factory: UnitOfWorkFactory) -> None:
    await add_room(uow_factory, "Aurora")
    borealis = await add_room(uow_factory, "Borealis")
    async with uow_factory() as uow:
        with pytest.raises(RoomNameTaken):
            await uow.rooms.add(make_room("AURORA"))
    async with uow_factory() as uow:
        borealis.rename("aurora", NOW)
        with pytest.raises(RoomNameTaken):
            await uow.rooms.update(borealis)
    async with uow_factory() as uow:
        assert (await uow.rooms.list(10, 0)).total == 2


async def test_update_and_update_seat(uow_factory: UnitOfWorkFactory) -> None:
    room = await add_room(uow_factory, "Aurora")
    later = NOW + timedelta(hours=1)
    room.rename("Aurora 2", later)
    room.change_features(Features(has_imax=True), later)
    seat = room.seats[2]
    seat.is_active = False
    seat.category = SeatCategory.PREMIUM
    async with uow_factory() as uow:
        await uow.rooms.update(room)
        await uow.rooms.update_seat(seat)
        await uow.commit()
    async with uow_factory() as uow:
        found = await uow.rooms.get(room.id)
    assert found is not None
    assert (found.name, found.features, found.updated_at) == ("Aurora 2", Features(has_imax=True), later)
    stored = found.seat(seat.id)
    assert stored is not None and (stored.is_active, stored.category) == (False, SeatCategory.PREMIUM)
    assert found.capacity == 5


async def test_list_by_name_with_capacity_and_paging(uow_factory: UnitOfWorkFactory) -> None:
    cosmos = await add_room(uow_factory, "cosmos", rows=3, per_row=5)
    await add_room(uow_factory, "Borealis", rows=1, per_row=2)
    await add_room(uow_factory, "Aurora", rows=2, per_row=2)
    cosmos.seats[0].is_active = False
    async with uow_factory() as uow:
        await uow.rooms.update_seat(cosmos.seats[0])
        await uow.commit()
    async with uow_factory() as uow:
        page = await uow.rooms.list(10, 0)
        second = await uow.rooms.list(1, 1)
    assert [(r.name, r.capacity) for r in page.items] == [("Aurora", 4), ("Borealis", 2), ("cosmos", 14)]
    assert (page.total, page.limit, page.offset) == (3, 10, 0)
    assert [r.name for r in second.items] == ["Borealis"] and second.total == 3


async def test_has_showings_and_delete(uow_factory: UnitOfWorkFactory) -> None:
    movie = await add_movie(uow_factory)
    used = await add_room(uow_factory, "Aurora")
    empty = await add_room(uow_factory, "Borealis")
    await add_showing(uow_factory, movie, used, timedelta(days=-3), status=ShowingStatus.CANCELLED)
    async with uow_factory() as uow:
        assert await uow.rooms.has_showings(used.id) is True
        assert await uow.rooms.has_showings(empty.id) is False
        await uow.rooms.delete(empty.id)
        await uow.commit()
    async with uow_factory() as uow:
        assert await uow.rooms.get(empty.id) is None
        assert [r.name for r in (await uow.rooms.list(10, 0)).items] == ["Aurora"]
