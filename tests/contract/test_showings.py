"""The showing repository behaves the same in memory and in PostgreSQL."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from uuid import uuid4

import pytest

from lynriescoop.application.ports.showings import SeatVersion, ShowingFilter
from lynriescoop.application.ports.unit_of_work import UnitOfWorkFactory
from lynriescoop.domain.bookings import BookingStatus
from lynriescoop.domain.errors import MovieNotFound, RoomNotFound
from lynriescoop.domain.movies import Movie
from lynriescoop.domain.rooms import Features, SeatCategory
from lynriescoop.domain.showings import ShowingStatus
from tests.contract.catalogue_data import NOW, add_booking, add_movie, add_room, add_showing, make_room, make_showing

CLEANING = timedelta(minutes=15)


async def test_add_then_get_round_trips_every_field(uow_factory: UnitOfWorkFactory) -> None:
    movie, room = await add_movie(uow_factory), await add_room(uow_factory, has_3d=True)
    showing = make_showing(movie, room, timedelta(days=1), is_3d=True, seat_version=3)
    showing.prices = {SeatCategory.PREMIUM: Decimal("14.50"), SeatCategory.WHEELCHAIR: Decimal("0.10")}
    async with uow_factory() as uow:
        await uow.showings.add(showing)
        await uow.commit()
    async with uow_factory() as uow:
        found = await uow.showings.get(showing.id)
        locked = await uow.showings.get_for_update(showing.id)
        assert await uow.showings.get(uuid4()) is None
    assert found is not None and locked is not None
    for got in (found, locked):
        assert (got.movie_id, got.room_id, got.start_time, got.end_time) == (
            movie.id,
            room.id,
            showing.start_time,
            showing.end_time,
        )
        assert (got.price, got.prices, got.is_3d, got.is_imax, got.is_dolby) == (
            Decimal("10.00"),
            {SeatCategory.PREMIUM: Decimal("14.50"), SeatCategory.WHEELCHAIR: Decimal("0.10")},
            True,
            False,
            False,
        )
        assert (got.status, got.seat_version, got.cancelled_at, got.created_at) == (
            ShowingStatus.SCHEDULED,
            3,
            None,
            NOW,
        )


async def test_add_needs_the_movie_and_the_room(uow_factory: UnitOfWorkFactory) -> None:
    movie, room = await add_movie(uow_factory), await add_room(uow_factory)
    unsaved = Movie(title="Not saved", runtime=90, created_at=NOW, updated_at=NOW)
    async with uow_factory() as uow:
        with pytest.raises(MovieNotFound):
            await uow.showings.add(make_showing(unsaved, room, timedelta(days=1)))
    async with uow_factory() as uow:
        with pytest.raises(RoomNotFound):
            await uow.showings.add(make_showing(movie, make_room("Ghost"), timedelta(days=1)))


async def test_update_writes_everything_but_the_seat_version(uow_factory: UnitOfWorkFactory) -> None:
    movie, room, other = await add_movie(uow_factory), await add_room(uow_factory), await add_room(uow_factory, "B")
    showing = await add_showing(uow_factory, movie, room, timedelta(days=1))
    async with uow_factory() as uow:
        assert [v.version for v in await uow.showings.bump_seat_versions(room.id, NOW)] == [1]
        await uow.commit()
    showing.room_id = other.id
    showing.start_time += timedelta(hours=1)
    showing.end_time += timedelta(hours=2)
    showing.price = Decimal("7.25")
    showing.prices = {}
    showing.is_dolby = True
    showing.status = ShowingStatus.CANCELLED
    showing.cancelled_at = NOW
    showing.seat_version = 99
    async with uow_factory() as uow:
        await uow.showings.update(showing)
        await uow.commit()
    async with uow_factory() as uow:
        found = await uow.showings.get(showing.id)
    assert found is not None
    assert (found.room_id, found.start_time, found.end_time, found.price, found.prices, found.is_dolby) == (
        other.id,
        showing.start_time,
        showing.end_time,
        Decimal("7.25"),
        {},
        True,
    )
    assert (found.status, found.cancelled_at, found.seat_version) == (ShowingStatus.CANCELLED, NOW, 1)


async def test_list_filters_by_status_time_movie_and_room(uow_factory: UnitOfWorkFactory) -> None:
    dune, alien = await add_movie(uow_factory, "Dune"), await add_movie(uow_factory, "Alien")
    aurora, borealis = await add_room(uow_factory, "Aurora"), await add_room(uow_factory, "Borealis")
    late = await add_showing(uow_factory, dune, aurora, timedelta(days=2))
    early = await add_showing(uow_factory, alien, borealis, timedelta(days=1))
    running = await add_showing(uow_factory, dune, borealis, -timedelta(minutes=30))
    ended = await add_showing(uow_factory, alien, aurora, -timedelta(days=1))
    stored_completed = await add_showing(uow_factory, alien, aurora, -timedelta(days=2), status=ShowingStatus.COMPLETED)
    cancelled = await add_showing(uow_factory, dune, aurora, timedelta(days=3), status=ShowingStatus.CANCELLED)

    async def ids(limit: int = 50, offset: int = 0, **kwargs: object) -> list[object]:
        async with uow_factory() as uow:
            page = await uow.showings.list(ShowingFilter(**kwargs), NOW, limit, offset)  # type: ignore[arg-type]
        return [s.id for s in page.items]

    assert await ids() == [early.id, late.id]
    assert await ids(include_past=True) == [running.id, early.id, late.id]
    assert await ids(status=ShowingStatus.COMPLETED) == [stored_completed.id, ended.id]
    assert await ids(status=ShowingStatus.CANCELLED) == [cancelled.id]
    assert await ids(status=None, include_past=True) == [
        stored_completed.id,
        ended.id,
        running.id,
        early.id,
        late.id,
        cancelled.id,
    ]
    assert await ids(status=None) == [early.id, late.id, cancelled.id]
    assert await ids(movie_id=dune.id, status=None) == [late.id, cancelled.id]
    assert await ids(room_id=borealis.id, include_past=True) == [running.id, early.id]
    assert await ids(starts_from=early.start_time, starts_before=late.start_time) == [early.id]
    assert await ids(limit=1, offset=1) == [late.id]
    async with uow_factory() as uow:
        assert (await uow.showings.list(ShowingFilter(), NOW, 1, 0)).total == 2


async def test_in_room_overlapping_counts_cleaning(uow_factory: UnitOfWorkFactory) -> None:
    movie, room, other = await add_movie(uow_factory), await add_room(uow_factory), await add_room(uow_factory, "B")
    base = await add_showing(uow_factory, movie, room, timedelta(hours=10))  # 22:00 .. 00:00
    await add_showing(uow_factory, movie, other, timedelta(hours=10))
    await add_showing(uow_factory, movie, room, timedelta(hours=4), status=ShowingStatus.CANCELLED)
    start, end = base.start_time, base.end_time

    async def near(a: timedelta, b: timedelta, exclude: object = None) -> list[object]:
        async with uow_factory() as uow:
            found = await uow.showings.in_room_overlapping(room.id, start + a, start + b, CLEANING, exclude)  # type: ignore[arg-type]
        return [s.id for s in found]

    assert await near(timedelta(0), timedelta(hours=1)) == [base.id]
    assert await near(end - start + CLEANING, end - start + timedelta(hours=2)) == []
    assert await near(end - start + CLEANING - timedelta(minutes=1), end - start + timedelta(hours=2)) == [base.id]
    assert await near(-timedelta(hours=2), -CLEANING) == []
    assert await near(-timedelta(hours=2), -CLEANING + timedelta(minutes=1)) == [base.id]
    assert await near(-timedelta(hours=8), -timedelta(hours=5)) == []  # only the cancelled one is there
    assert await near(timedelta(0), timedelta(hours=1), base.id) == []


async def test_at_finds_the_showing_starting_then(uow_factory: UnitOfWorkFactory) -> None:
    movie, room = await add_movie(uow_factory), await add_room(uow_factory)
    showing = await add_showing(uow_factory, movie, room, timedelta(days=1))
    async with uow_factory() as uow:
        found = await uow.showings.at(room.id, showing.start_time)
        assert found is not None and found.id == showing.id
        assert await uow.showings.at(room.id, showing.start_time + timedelta(minutes=1)) is None


async def test_bookings_and_live_claims(uow_factory: UnitOfWorkFactory) -> None:
    movie, room = await add_movie(uow_factory), await add_room(uow_factory)
    live = await add_showing(uow_factory, movie, room, timedelta(days=1))
    past = await add_showing(uow_factory, movie, room, timedelta(days=2))
    none = await add_showing(uow_factory, movie, room, timedelta(days=3))
    await add_booking(uow_factory, live, [room.seats[0].id], BookingStatus.PENDING, NOW + timedelta(minutes=5))
    await add_booking(uow_factory, past, [room.seats[0].id], BookingStatus.CANCELLED)
    async with uow_factory() as uow:
        assert [await uow.showings.has_bookings(s.id) for s in (live, past, none)] == [True, True, False]
        assert [await uow.showings.has_live_claims(s.id) for s in (live, past, none)] == [True, False, False]


async def test_delete(uow_factory: UnitOfWorkFactory) -> None:
    movie, room = await add_movie(uow_factory), await add_room(uow_factory)
    showing = await add_showing(uow_factory, movie, room, timedelta(days=1))
    async with uow_factory() as uow:
        await uow.showings.delete(showing.id)
        await uow.commit()
    async with uow_factory() as uow:
        assert await uow.showings.get(showing.id) is None


async def test_bump_seat_versions_of_future_scheduled_showings(uow_factory: UnitOfWorkFactory) -> None:
    movie, room, other = await add_movie(uow_factory), await add_room(uow_factory), await add_room(uow_factory, "B")
    second = await add_showing(uow_factory, movie, room, timedelta(days=2), seat_version=5)
    first = await add_showing(uow_factory, movie, room, timedelta(days=1))
    await add_showing(uow_factory, movie, room, -timedelta(hours=1))
    await add_showing(uow_factory, movie, room, timedelta(days=3), status=ShowingStatus.CANCELLED)
    await add_showing(uow_factory, movie, other, timedelta(days=1))
    async with uow_factory() as uow:
        bumped = await uow.showings.bump_seat_versions(room.id, NOW)
        await uow.commit()
    assert bumped == [SeatVersion(first.id, 1), SeatVersion(second.id, 6)]
    async with uow_factory() as uow:
        stored = await uow.showings.get(second.id)
    assert stored is not None and stored.seat_version == 6


async def test_formats_in_use(uow_factory: UnitOfWorkFactory) -> None:
    movie, room = await add_movie(uow_factory), await add_room(uow_factory)
    async with uow_factory() as uow:
        assert await uow.showings.formats_in_use(room.id, NOW) == Features()
    await add_showing(uow_factory, movie, room, timedelta(days=1), is_3d=True)
    await add_showing(uow_factory, movie, room, -timedelta(days=1), is_imax=True)
    await add_showing(uow_factory, movie, room, timedelta(days=2), is_dolby=True, status=ShowingStatus.CANCELLED)
    async with uow_factory() as uow:
        assert await uow.showings.formats_in_use(room.id, NOW) == Features(has_3d=True)
