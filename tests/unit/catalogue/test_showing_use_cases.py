"""Showing use cases and the seat map on the in-memory adapters."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from uuid import uuid4

import pytest

from lynriescoop.application.catalogue.showings.cancel_showing import CancelShowing, CancelShowingCommand
from lynriescoop.application.catalogue.showings.delete_showing import DeleteShowing, DeleteShowingCommand
from lynriescoop.application.catalogue.showings.get_seat_map import GetSeatMap, GetSeatMapQuery
from lynriescoop.application.catalogue.showings.get_showing import GetShowing, GetShowingQuery
from lynriescoop.application.catalogue.showings.list_showings import (
    ListShowings,
    ListShowingsQuery,
    local_day_bounds,
)
from lynriescoop.application.catalogue.showings.schedule_showing import ScheduleShowing, ScheduleShowingCommand
from lynriescoop.application.catalogue.showings.update_showing import UpdateShowing, UpdateShowingCommand
from lynriescoop.application.ports.unit_of_work import UnitOfWork
from lynriescoop.domain.bookings import BookingStatus
from lynriescoop.domain.errors import (
    InvalidSchedule,
    MovieNotFound,
    RoomLacksFeature,
    RoomNotFound,
    ShowingHasBookings,
    ShowingNotFound,
    ShowingOverlap,
)
from lynriescoop.domain.events import ShowingChanged, ShowingEventKind
from lynriescoop.domain.rooms import SeatCategory
from lynriescoop.domain.seat_maps import SeatStatus
from lynriescoop.domain.showings import Showing, ShowingStatus
from tests.unit.catalogue.conftest import BRUSSELS, CLEANING, Cinema


def scheduler(cinema: Cinema) -> ScheduleShowing:
    return ScheduleShowing(cinema.uow, cinema.clock, CLEANING)


def lister(cinema: Cinema) -> ListShowings:
    return ListShowings(cinema.uow, cinema.clock, BRUSSELS)


async def test_schedule_defaults_the_end_to_the_runtime_and_reads_back(cinema: Cinema) -> None:
    movie, room = cinema.add_movie(runtime=155), cinema.add_room(has_3d=True)
    start = cinema.clock.now() + timedelta(days=1)
    view = await scheduler(cinema)(
        ScheduleShowingCommand(
            movie.id, room.id, start, Decimal("12.5"), prices={SeatCategory.PREMIUM: Decimal("15")}, is_3d=True
        )
    )
    assert view.showing.end_time == start + timedelta(minutes=155)
    assert view.showing.price == Decimal("12.50") and view.showing.is_3d
    assert (view.status, view.capacity, view.available_seats, view.bookings_count) == (
        ShowingStatus.SCHEDULED,
        12,
        12,
        0,
    )
    assert (view.movie.title, view.movie.runtime, view.movie.poster_path, view.room.name) == (
        "Dune",
        155,
        "/dune.jpg",
        "Aurora",
    )
    assert cinema.events == [ShowingChanged(cinema.clock.now(), view.showing.id, ShowingEventKind.CREATED)]
    assert (await GetShowing(cinema.uow, cinema.clock)(GetShowingQuery(view.showing.id))).showing.id == view.showing.id


async def test_schedule_refusals(cinema: Cinema) -> None:
    movie, room = cinema.add_movie(), cinema.add_room()
    soon = cinema.clock.now() + timedelta(hours=1)
    schedule = scheduler(cinema)
    with pytest.raises(MovieNotFound):
        await schedule(ScheduleShowingCommand(uuid4(), room.id, soon, Decimal(10)))
    with pytest.raises(RoomNotFound):
        await schedule(ScheduleShowingCommand(movie.id, uuid4(), soon, Decimal(10)))
    with pytest.raises(RoomLacksFeature):
        await schedule(ScheduleShowingCommand(movie.id, room.id, soon, Decimal(10), is_imax=True))
    with pytest.raises(InvalidSchedule):
        await schedule(
            ScheduleShowingCommand(movie.id, room.id, cinema.clock.now() - timedelta(seconds=1), Decimal(10))
        )
    with pytest.raises(InvalidSchedule):
        await schedule(ScheduleShowingCommand(movie.id, room.id, soon, Decimal(10), end_time=soon))
    assert cinema.store.state.showings == {} and cinema.events == []


async def test_overlap_counts_cleaning_and_ignores_other_rooms_and_cancelled(cinema: Cinema) -> None:
    movie, room, other = cinema.add_movie(runtime=120), cinema.add_room(), cinema.add_room("Borealis")
    schedule = scheduler(cinema)
    start = cinema.clock.now() + timedelta(days=1)
    first = await schedule(ScheduleShowingCommand(movie.id, room.id, start, Decimal(10)))
    with pytest.raises(ShowingOverlap):
        await schedule(ScheduleShowingCommand(movie.id, room.id, start + timedelta(minutes=134), Decimal(10)))
    await schedule(ScheduleShowingCommand(movie.id, room.id, start + timedelta(minutes=135), Decimal(10)))
    await schedule(ScheduleShowingCommand(movie.id, other.id, start, Decimal(10)))
    with pytest.raises(ShowingOverlap):  # ends 14 minutes before the first starts
        await schedule(ScheduleShowingCommand(movie.id, room.id, start - timedelta(minutes=134), Decimal(10)))
    await CancelShowing(cinema.uow, cinema.clock, _no_bookings)(CancelShowingCommand(first.showing.id))
    await schedule(ScheduleShowingCommand(movie.id, room.id, start, Decimal(10)))
    assert len(cinema.store.state.showings) == 4


async def _no_bookings(uow: UnitOfWork, showing: Showing, now: datetime) -> None:
    assert await uow.bookings.live_bookings_of_showing(showing.id) == []


async def test_list_filters_and_orders(cinema: Cinema) -> None:
    dune, alien = cinema.add_movie("Dune"), cinema.add_movie("Alien")
    aurora, borealis = cinema.add_room("Aurora"), cinema.add_room("Borealis")
    late = cinema.add_showing(dune, aurora, timedelta(days=2))
    early = cinema.add_showing(alien, borealis, timedelta(days=1))
    started = cinema.add_showing(dune, borealis, -timedelta(minutes=30))  # running now
    ended = cinema.add_showing(alien, aurora, -timedelta(days=1))
    cancelled = cinema.add_showing(dune, aurora, timedelta(days=3), status=ShowingStatus.CANCELLED)
    list_showings = lister(cinema)

    async def ids(**kwargs: object) -> list[object]:
        return [v.showing.id for v in (await list_showings(ListShowingsQuery(**kwargs))).items]  # type: ignore[arg-type]

    assert await ids() == [early.id, late.id]
    assert await ids(include_past=True) == [started.id, early.id, late.id]
    assert await ids(status=ShowingStatus.COMPLETED) == [ended.id]
    assert await ids(status=ShowingStatus.CANCELLED) == [cancelled.id]
    assert await ids(status=None, include_past=True) == [ended.id, started.id, early.id, late.id, cancelled.id]
    assert await ids(movie_id=dune.id) == [late.id]
    assert await ids(room_id=borealis.id, include_past=True) == [started.id, early.id]
    assert await ids(starts_from=early.start_time + timedelta(seconds=1)) == [late.id]
    assert await ids(starts_before=late.start_time) == [early.id]
    page = await list_showings(ListShowingsQuery(limit=1, offset=1))
    assert [v.showing.id for v in page.items] == [late.id] and (page.total, page.limit, page.offset) == (2, 1, 1)


async def test_date_means_the_local_day(cinema: Cinema) -> None:
    movie, room = cinema.add_movie(runtime=60), cinema.add_room()
    cinema.clock.current = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
    # 23:30 in Brussels on the 27th is 22:30 UTC on the 27th; 00:30 local on the 28th is 23:30 UTC on the 27th.
    late_evening = cinema.add_showing(movie, room, datetime(2026, 11, 27, 22, 30, tzinfo=UTC) - cinema.clock.now())
    after_midnight = cinema.add_showing(movie, room, datetime(2026, 11, 27, 23, 30, tzinfo=UTC) - cinema.clock.now())
    list_showings = lister(cinema)
    on_27 = await list_showings(ListShowingsQuery(day=date(2026, 11, 27)))
    on_28 = await list_showings(ListShowingsQuery(day=date(2026, 11, 28)))
    assert [v.showing.id for v in on_27.items] == [late_evening.id]
    assert [v.showing.id for v in on_28.items] == [after_midnight.id]
    narrowed = await list_showings(
        ListShowingsQuery(day=date(2026, 11, 27), starts_from=datetime(2026, 11, 27, 23, 0, tzinfo=UTC))
    )
    assert narrowed.items == []


def test_local_day_bounds_follow_daylight_saving() -> None:
    assert local_day_bounds(date(2026, 3, 29), BRUSSELS) == (
        datetime(2026, 3, 28, 23, 0, tzinfo=UTC),
        datetime(2026, 3, 29, 22, 0, tzinfo=UTC),
    )
    assert local_day_bounds(date(2026, 7, 1), BRUSSELS)[0] == datetime(2026, 6, 30, 22, 0, tzinfo=UTC)


async def test_views_count_capacity_available_seats_and_bookings(cinema: Cinema) -> None:
    movie, room = cinema.add_movie(), cinema.add_room()
    showing = cinema.add_showing(movie, room, timedelta(days=1))
    seats = room.seats
    cinema.store.state.rooms[room.id].seats[0].is_active = False  # blocked: not in capacity
    cinema.add_booking(showing, [seats[1].id, seats[2].id], BookingStatus.CONFIRMED)
    cinema.add_booking(showing, [seats[3].id], BookingStatus.PENDING, expires_in=timedelta(minutes=5))
    cinema.add_booking(showing, [seats[4].id], BookingStatus.PENDING, expires_in=-timedelta(minutes=1))  # lapsed
    cinema.add_booking(showing, [seats[5].id], BookingStatus.CANCELLED)
    cinema.add_booking(showing, [seats[0].id], BookingStatus.CONFIRMED)  # booked before it was blocked
    view = await GetShowing(cinema.uow, cinema.clock)(GetShowingQuery(showing.id))
    assert (view.capacity, view.available_seats, view.bookings_count) == (11, 11 - 3, 2)


async def test_completed_after_the_end(cinema: Cinema) -> None:
    showing = cinema.add_showing(cinema.add_movie(runtime=90), cinema.add_room(), timedelta(hours=1))
    cinema.clock.advance(timedelta(hours=2, minutes=30))
    view = await GetShowing(cinema.uow, cinema.clock)(GetShowingQuery(showing.id))
    assert view.status is ShowingStatus.COMPLETED
    with pytest.raises(ShowingNotFound):
        await GetShowing(cinema.uow, cinema.clock)(GetShowingQuery(uuid4()))


async def test_update_retimes_under_the_overlap_rule(cinema: Cinema) -> None:
    movie, room = cinema.add_movie(runtime=100), cinema.add_room()
    first = cinema.add_showing(movie, room, timedelta(hours=2))
    second = cinema.add_showing(movie, room, timedelta(hours=6))
    update = UpdateShowing(cinema.uow, cinema.clock, CLEANING)
    with pytest.raises(ShowingOverlap):
        await update(UpdateShowingCommand(second.id, start_time=first.end_time + timedelta(minutes=10)))
    view = await update(UpdateShowingCommand(second.id, start_time=first.end_time + CLEANING, price=Decimal("8")))
    assert view.showing.start_time == first.end_time + CLEANING
    assert view.showing.end_time == view.showing.start_time + timedelta(minutes=100)
    assert view.showing.price == Decimal("8.00")
    # A price change of a showing whose slot is fine needs no overlap check at all.
    assert (await update(UpdateShowingCommand(first.id, prices={}))).showing.prices == {}
    assert [e.kind for e in cinema.events] == [ShowingEventKind.UPDATED, ShowingEventKind.UPDATED]  # type: ignore[attr-defined]
    with pytest.raises(ShowingNotFound):
        await update(UpdateShowingCommand(uuid4(), price=Decimal(1)))


async def test_moving_rooms(cinema: Cinema) -> None:
    movie = cinema.add_movie()
    aurora, imax = cinema.add_room("Aurora"), cinema.add_room("Cosmos", has_imax=True)
    showing = cinema.add_showing(movie, aurora, timedelta(days=1))
    cinema.add_showing(movie, imax, timedelta(days=1, hours=1))
    update = UpdateShowing(cinema.uow, cinema.clock, CLEANING)
    with pytest.raises(ShowingOverlap):
        await update(UpdateShowingCommand(showing.id, room_id=imax.id))
    with pytest.raises(RoomNotFound):
        await update(UpdateShowingCommand(showing.id, room_id=uuid4()))
    with pytest.raises(RoomLacksFeature):
        await update(UpdateShowingCommand(showing.id, is_imax=True))
    moved = await update(
        UpdateShowingCommand(
            showing.id, room_id=imax.id, is_imax=True, start_time=showing.start_time + timedelta(hours=4)
        )
    )
    assert (moved.room.id, moved.showing.is_imax) == (imax.id, True)
    cinema.add_booking(moved.showing, [imax.seats[0].id], BookingStatus.PENDING, expires_in=timedelta(minutes=5))
    with pytest.raises(ShowingHasBookings):
        await update(UpdateShowingCommand(showing.id, room_id=aurora.id, is_imax=False))
    # Times may still change while seats are held.
    later = await update(UpdateShowingCommand(showing.id, start_time=moved.showing.start_time + timedelta(hours=1)))
    assert later.room.id == imax.id


async def test_cancel_once_and_calls_the_booking_rule(cinema: Cinema) -> None:
    showing = cinema.add_showing(cinema.add_movie(), cinema.add_room(), timedelta(days=1))
    calls: list[tuple[object, datetime]] = []

    async def cancel_bookings(uow: UnitOfWork, cancelled: Showing, now: datetime) -> None:
        assert cancelled.status is ShowingStatus.CANCELLED
        calls.append((cancelled.id, now))

    cancel = CancelShowing(cinema.uow, cinema.clock, cancel_bookings)
    first = await cancel(CancelShowingCommand(showing.id))
    again = await cancel(CancelShowingCommand(showing.id))
    assert first.status is again.status is ShowingStatus.CANCELLED
    assert cinema.store.state.showings[showing.id].cancelled_at == cinema.clock.now()
    assert calls == [(showing.id, cinema.clock.now())]
    assert cinema.events == [ShowingChanged(cinema.clock.now(), showing.id, ShowingEventKind.CANCELLED)]
    with pytest.raises(ShowingNotFound):
        await cancel(CancelShowingCommand(uuid4()))
    with pytest.raises(InvalidSchedule):
        await UpdateShowing(cinema.uow, cinema.clock, CLEANING)(UpdateShowingCommand(showing.id, price=Decimal(1)))


async def test_delete_only_without_any_booking_ever(cinema: Cinema) -> None:
    movie, room = cinema.add_movie(), cinema.add_room()
    kept = cinema.add_showing(movie, room, timedelta(days=1))
    gone = cinema.add_showing(movie, room, timedelta(days=2))
    cinema.add_booking(kept, [room.seats[0].id], BookingStatus.EXPIRED)
    delete = DeleteShowing(cinema.uow, cinema.clock)
    with pytest.raises(ShowingHasBookings):
        await delete(DeleteShowingCommand(kept.id))
    await delete(DeleteShowingCommand(gone.id))
    assert set(cinema.store.state.showings) == {kept.id}
    assert cinema.events == [ShowingChanged(cinema.clock.now(), gone.id, ShowingEventKind.DELETED)]
    with pytest.raises(ShowingNotFound):
        await delete(DeleteShowingCommand(gone.id))


async def test_seat_map_statuses_prices_and_version(cinema: Cinema) -> None:
    room = cinema.add_room(rows=2, per_row=3)
    showing = cinema.add_showing(cinema.add_movie(), room, timedelta(days=1), seat_version=4)
    a1, a2, a3, b1, b2, _ = room.seats
    cinema.store.state.rooms[room.id].seat(a3.id).is_active = False  # type: ignore[union-attr]
    cinema.add_booking(showing, [a1.id], BookingStatus.CONFIRMED)
    cinema.add_booking(showing, [a2.id], BookingStatus.PENDING, expires_in=timedelta(minutes=3))
    cinema.add_booking(showing, [b1.id], BookingStatus.PENDING, expires_in=-timedelta(seconds=1))
    cinema.add_booking(showing, [b2.id], BookingStatus.CANCELLED)
    seat_map = await GetSeatMap(cinema.uow, cinema.clock)(GetSeatMapQuery(showing.id))
    assert (seat_map.showing_id, seat_map.version) == (showing.id, 4)
    document = json.loads(seat_map.document)
    assert (document["showing_id"], document["version"]) == (str(showing.id), 4)
    assert [(s["label"], s["status"], s["price"], s["category"]) for s in document["seats"]] == [
        ("A1", SeatStatus.BOOKED, "10.00", SeatCategory.STANDARD),
        ("A2", SeatStatus.HELD, "10.00", SeatCategory.STANDARD),
        ("A3", SeatStatus.BLOCKED, "10.00", SeatCategory.STANDARD),
        ("B1", SeatStatus.AVAILABLE, "15.00", SeatCategory.PREMIUM),
        ("B2", SeatStatus.AVAILABLE, "15.00", SeatCategory.PREMIUM),
        ("B3", SeatStatus.AVAILABLE, "15.00", SeatCategory.PREMIUM),
    ]
    # The map changes by itself when A2's hold lapses (B1's already has).
    assert seat_map.changes_at == cinema.clock.now() + timedelta(minutes=3)
    with pytest.raises(ShowingNotFound):
        await GetSeatMap(cinema.uow, cinema.clock)(GetSeatMapQuery(uuid4()))
