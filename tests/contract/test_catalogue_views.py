"""The seat-map and showing read models answer the same in memory and in PostgreSQL."""

from __future__ import annotations

import json
from datetime import timedelta
from uuid import uuid4

from lynriescoop.application.ports.showings import ShowingFilter
from lynriescoop.application.ports.unit_of_work import UnitOfWorkFactory
from lynriescoop.domain.bookings import BookingStatus
from lynriescoop.domain.rooms import SeatCategory
from lynriescoop.domain.seat_maps import SeatStatus
from lynriescoop.domain.showings import ShowingStatus
from tests.contract.catalogue_data import NOW, add_booking, add_movie, add_room, add_showing


async def test_seat_map_statuses_prices_order_and_version(uow_factory: UnitOfWorkFactory) -> None:
    movie, room = await add_movie(uow_factory), await add_room(uow_factory, rows=2, per_row=4)
    showing = await add_showing(uow_factory, movie, room, timedelta(days=1), seat_version=9)
    other = await add_showing(uow_factory, movie, room, timedelta(days=2))
    a1, a2, a3, a4, b1, b2, b3, b4 = room.seats
    a4.is_active = False
    async with uow_factory() as uow:
        await uow.rooms.update_seat(a4)
        await uow.commit()
    await add_booking(uow_factory, showing, [a2.id, b1.id], BookingStatus.CONFIRMED)
    await add_booking(uow_factory, showing, [a3.id], BookingStatus.PENDING, NOW + timedelta(minutes=1))
    await add_booking(uow_factory, showing, [b2.id], BookingStatus.PENDING, NOW)  # lapsed at NOW, not yet swept
    await add_booking(uow_factory, showing, [b3.id], BookingStatus.CANCELLED)
    await add_booking(uow_factory, other, [b4.id], BookingStatus.CONFIRMED)  # another showing's claim
    # The seat map as GET /showings/{id}/seats sends it (rendered by PostgreSQL in the real reader).
    async with uow_factory() as uow:
        encoded = await uow.seat_maps.seat_map_document(showing.id, NOW)
        assert await uow.seat_maps.seat_map_document(uuid4(), NOW) is None
    assert encoded is not None and (encoded.showing_id, encoded.version) == (showing.id, 9)
    document = json.loads(encoded.document)
    assert (document["showing_id"], document["version"]) == (str(showing.id), 9)
    seats = document["seats"]
    assert [(s["seat_id"], s["row"], s["number"], s["label"]) for s in seats] == [
        (str(s.id), s.row, s.number, str(s.label)) for s in (a1, a2, a3, a4, b1, b2, b3, b4)
    ]
    assert [(s["status"], s["category"], s["is_accessible"], s["price"]) for s in seats] == [
        (SeatStatus.AVAILABLE, SeatCategory.WHEELCHAIR, True, "10.00"),
        (SeatStatus.BOOKED, SeatCategory.STANDARD, False, "10.00"),
        (SeatStatus.HELD, SeatCategory.STANDARD, False, "10.00"),
        (SeatStatus.BLOCKED, SeatCategory.STANDARD, False, "10.00"),
        (SeatStatus.BOOKED, SeatCategory.PREMIUM, False, "14.50"),
        (SeatStatus.AVAILABLE, SeatCategory.PREMIUM, False, "14.50"),
        (SeatStatus.AVAILABLE, SeatCategory.PREMIUM, False, "14.50"),
        (SeatStatus.AVAILABLE, SeatCategory.PREMIUM, False, "14.50"),
    ]
    assert encoded.changes_at == NOW + timedelta(minutes=1)  # a3's hold lapses then; b2's already has
    async with uow_factory() as uow:
        statuses = await uow.seat_maps.seat_statuses(b1.id, [showing.id, other.id, uuid4()], NOW)
        assert await uow.seat_maps.seat_statuses(b1.id, [], NOW) == {}
    assert statuses == {showing.id: SeatStatus.BOOKED, other.id: SeatStatus.AVAILABLE}
    # The relay's snapshots say the same, seat by seat, for several showings in one read.
    async with uow_factory() as uow:
        snapshots = await uow.seat_maps.seat_snapshots([showing.id, other.id, uuid4()], NOW)
        assert await uow.seat_maps.seat_snapshots([], NOW) == {}
    assert set(snapshots) == {showing.id, other.id}
    snapshot = snapshots[showing.id]
    assert (snapshot.version, snapshot.available_seats) == (9, 4)  # A1, B2 (lapsed), B3, B4
    assert json.loads(snapshot.seats_json) == [
        {"seat_id": s["seat_id"], "label": s["label"], "status": s["status"]} for s in seats
    ]
    # Blocking a seat shows at once (PostgreSQL's reader keeps each room's seats, never their state), even a booked
    # one, and a seat freed again is available.
    a2.is_active, a4.is_active = False, True
    async with uow_factory() as uow:
        await uow.rooms.update_seat(a2)
        await uow.rooms.update_seat(a4)
        await uow.commit()
    async with uow_factory() as uow:
        again = (await uow.seat_maps.seat_snapshots([showing.id], NOW))[showing.id]
    statuses = [s["status"] for s in json.loads(again.seats_json)]
    assert statuses[:4] == [SeatStatus.AVAILABLE, SeatStatus.BLOCKED, SeatStatus.HELD, SeatStatus.AVAILABLE]
    assert again.available_seats == 5  # A1, A4, B2 (lapsed), B3, B4


async def test_showing_view_counts(uow_factory: UnitOfWorkFactory) -> None:
    movie, room = await add_movie(uow_factory, "Dune", 155), await add_room(uow_factory, "Aurora", rows=2, per_row=5)
    showing = await add_showing(uow_factory, movie, room, timedelta(days=1))
    seats = room.seats
    seats[0].is_active = False
    async with uow_factory() as uow:
        await uow.rooms.update_seat(seats[0])
        await uow.commit()
    await add_booking(uow_factory, showing, [seats[1].id, seats[2].id], BookingStatus.CONFIRMED)
    await add_booking(uow_factory, showing, [seats[3].id], BookingStatus.PENDING, NOW + timedelta(minutes=5))
    await add_booking(uow_factory, showing, [seats[4].id], BookingStatus.PENDING, NOW - timedelta(minutes=1))
    await add_booking(uow_factory, showing, [seats[5].id], BookingStatus.EXPIRED)
    await add_booking(uow_factory, showing, [seats[0].id], BookingStatus.CONFIRMED)  # then the seat was blocked
    async with uow_factory() as uow:
        view = await uow.showing_views.view(showing.id, NOW)
        assert await uow.showing_views.view(uuid4(), NOW) is None
    assert view is not None
    assert (view.showing.id, view.status, view.capacity, view.available_seats, view.bookings_count) == (
        showing.id,
        ShowingStatus.SCHEDULED,
        9,
        6,
        2,
    )
    assert (view.movie.id, view.movie.title, view.movie.runtime, view.movie.poster_path) == (
        movie.id,
        "Dune",
        155,
        "/p.jpg",
    )
    assert (view.room.id, view.room.name) == (room.id, "Aurora")
    async with uow_factory() as uow:
        after_end = await uow.showing_views.view(showing.id, showing.end_time)
    assert after_end is not None and after_end.status is ShowingStatus.COMPLETED
    assert after_end.available_seats == 7  # by then the five-minute hold has lapsed too


async def test_list_views_filters_pages_and_counts(uow_factory: UnitOfWorkFactory) -> None:
    dune, alien = await add_movie(uow_factory, "Dune"), await add_movie(uow_factory, "Alien")
    aurora, borealis = await add_room(uow_factory, "Aurora"), await add_room(uow_factory, "Borealis", per_row=5)
    first = await add_showing(uow_factory, dune, borealis, timedelta(days=1))
    second = await add_showing(uow_factory, alien, aurora, timedelta(days=2))
    third = await add_showing(uow_factory, dune, aurora, timedelta(days=3))
    await add_showing(uow_factory, alien, aurora, -timedelta(days=1))
    await add_showing(uow_factory, dune, aurora, timedelta(days=4), status=ShowingStatus.CANCELLED)
    await add_booking(uow_factory, second, [aurora.seats[0].id], BookingStatus.CONFIRMED)
    async with uow_factory() as uow:
        page = await uow.showing_views.list_views(ShowingFilter(), NOW, 2, 0)
        rest = await uow.showing_views.list_views(ShowingFilter(), NOW, 2, 2)
        dunes = await uow.showing_views.list_views(ShowingFilter(movie_id=dune.id), NOW, 10, 0)
    assert [(v.showing.id, v.room.name, v.capacity, v.available_seats, v.bookings_count) for v in page.items] == [
        (first.id, "Borealis", 10, 10, 0),
        (second.id, "Aurora", 6, 5, 1),
    ]
    assert (page.total, page.limit, page.offset) == (3, 2, 0)
    assert [v.showing.id for v in rest.items] == [third.id]
    assert [v.showing.id for v in dunes.items] == [first.id, third.id]
