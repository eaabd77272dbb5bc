"""The booking repository behaves the same in memory and in PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from uuid import uuid4

import pytest

from lynriescoop.application.ports.bookings import BookingContext, BookingFilter
from lynriescoop.domain.bookings import Booking, BookingStatus, CancelledBy
from lynriescoop.domain.errors import SeatsUnavailable
from lynriescoop.domain.events import SeatChangeReason
from lynriescoop.domain.users import Role
from tests.contract.conftest import Backend
from tests.factories import World, build_world, make_user

NOW = datetime.now(UTC).replace(microsecond=0)
HOLD = timedelta(minutes=10)


async def _world(backend: Backend) -> World:
    world = build_world(now=NOW)
    world.users = {"ann": make_user("ann@example.com"), "bob": make_user("bob@example.com", role=Role.MANAGER)}
    await backend.put_world(world)
    return world


def _open(world: World, user: str, labels: list[str], *, confirm: bool = False, now: datetime = NOW) -> Booking:
    return Booking.open(
        user_id=world.users[user].id,
        showing=world.showing,
        seat_ids=[world.seat(label).id for label in labels],
        room_seats={s.id: s for s in world.room.seats},
        already_held_by_user=0,
        max_seats=10,
        now=now,
        hold_for=HOLD,
        confirm=confirm,
        currency="EUR",
    )


async def test_add_get_and_view_round_trip(backend: Backend) -> None:
    world = await _world(backend)
    booking = _open(world, "ann", ["A1", "E2"])
    async with backend.uow_factory() as uow:
        assert await uow.bookings.lock_showing(world.showing.id) is not None
        await uow.bookings.add(booking)
        await uow.commit()
    async with backend.uow_factory() as uow:
        found = await uow.bookings.get(booking.id)
        view = await uow.bookings.view(booking.id)
    assert found is not None and view is not None
    assert found.booking_number == booking.booking_number
    assert found.status is BookingStatus.PENDING and found.expires_at == NOW + HOLD
    assert sorted(s.label for s in found.seats) == ["A1", "E2"]
    assert str(found.total_price) == "25.00"  # standard 10.00 + premium 15.00
    assert (view.showing.movie_title, view.showing.room_name) == ("Test Movie", world.room.name)
    assert view.showing.start_time == world.showing.start_time


async def context(backend: Backend, world: World, user: str, labels: list[str], now: datetime = NOW) -> BookingContext:
    """What PlaceBooking reads about ``labels`` after locking the showing (the one read of the booking path)."""
    async with backend.uow_factory() as uow:
        showing = await uow.bookings.lock_showing(world.showing.id)
        assert showing is not None
        return await uow.bookings.booking_context(
            showing, world.users[user].id, [world.seat(label).id for label in labels], now
        )


async def test_a_live_seat_cannot_be_claimed_twice(backend: Backend) -> None:
    world = await _world(backend)
    async with backend.uow_factory() as uow:
        await uow.bookings.add(_open(world, "ann", ["A1", "A2"]))
        await uow.commit()
    async with backend.uow_factory() as uow:
        with pytest.raises(SeatsUnavailable) as info:
            await uow.bookings.add(_open(world, "bob", ["A2", "A3"]))
    assert info.value.seat_ids == [str(world.seat("A2").id)]
    found = await context(backend, world, "bob", ["A1", "A2", "A3"])
    assert sorted(c.seat_id for c in found.claims) == sorted([world.seat("A1").id, world.seat("A2").id])


async def test_released_seats_can_be_claimed_again(backend: Backend) -> None:
    world = await _world(backend)
    first = _open(world, "ann", ["B1"])
    async with backend.uow_factory() as uow:
        await uow.bookings.add(first)
        await uow.commit()
    first.cancel(CancelledBy.CUSTOMER, NOW, world.showing.start_time, timedelta(minutes=60))
    async with backend.uow_factory() as uow:
        await uow.bookings.update(first)
        await uow.bookings.add(_open(world, "bob", ["B1"], confirm=True))
        await uow.commit()
    claims = (await context(backend, world, "ann", ["B1"])).claims
    async with backend.uow_factory() as uow:
        cancelled = await uow.bookings.get(first.id)
    assert [c.status for c in claims] == [BookingStatus.CONFIRMED]
    assert cancelled is not None and cancelled.status is BookingStatus.CANCELLED
    assert cancelled.cancelled_by is CancelledBy.CUSTOMER
    assert all(not s.is_live for s in cancelled.seats)


async def test_the_customers_seats_ignore_lapsed_holds(backend: Backend) -> None:
    world = await _world(backend)
    async with backend.uow_factory() as uow:
        await uow.bookings.add(_open(world, "ann", ["C1", "C2"], now=NOW - timedelta(minutes=30)))
        await uow.bookings.add(_open(world, "ann", ["C3"], confirm=True))
        await uow.bookings.add(_open(world, "ann", ["C4"]))
        await uow.commit()
    found = await context(backend, world, "ann", ["C5"])
    async with backend.uow_factory() as uow:
        lapsed = await uow.bookings.lapsed_holds(world.showing.id, NOW)
        showings = await uow.bookings.showings_with_lapsed_holds(NOW, 10)
    assert (found.held_by_user, found.has_lapsed_holds) == (2, True)
    assert (await context(backend, world, "bob", ["C5"])).held_by_user == 0
    assert [sorted(s.label for s in b.seats) for b in lapsed] == [["C1", "C2"]]
    assert showings == [world.showing.id]


async def test_a_locked_showing_raises_its_seat_version_and_the_commit_writes_it(backend: Backend) -> None:
    world = await _world(backend)
    async with backend.uow_factory() as uow:
        showing = await uow.bookings.lock_showing(world.showing.id)
        assert showing is not None
        first = showing.record_seat_change(SeatChangeReason.HELD, (), NOW)
        second = showing.record_seat_change(SeatChangeReason.BOOKED, (), NOW)
        await uow.commit()
    async with backend.uow_factory() as uow:
        rolled_back = await uow.bookings.lock_showing(world.showing.id)
        assert rolled_back is not None
        rolled_back.record_seat_change(SeatChangeReason.HELD, (), NOW)  # and no commit
    async with backend.uow_factory() as uow:
        showing = await uow.bookings.lock_showing(world.showing.id)
    assert (first, second) == (1, 2)
    assert showing is not None and showing.seat_version == 2


async def test_the_booking_context_reads_only_the_showings_room_and_who_asks(backend: Backend) -> None:
    world = await _world(backend)
    other = build_world(now=NOW)
    await backend.put_world(other)
    wanted = [world.seat("A1").id, other.room.seats[0].id]
    async with backend.uow_factory() as uow:
        showing = await uow.bookings.lock_showing(world.showing.id)
        assert showing is not None
        found = await uow.bookings.booking_context(showing, world.users["ann"].id, wanted, NOW)
        stranger = await uow.bookings.booking_context(showing, uuid4(), wanted, NOW)
    assert list(found.seats) == [world.seat("A1").id]
    assert str(found.seats[world.seat("A1").id].label) == "A1"
    assert (found.claims, found.held_by_user, found.has_lapsed_holds) == ([], 0, False)
    assert found.customer is not None and found.customer.email == "ann@example.com"
    assert (found.showing.id, found.showing.movie_title) == (world.showing.id, "Test Movie")
    assert found.showing.room_name == world.room.name
    assert stranger.customer is None  # unknown (or disabled) accounts cannot book


async def test_a_booking_is_locked_by_its_id_with_what_confirming_it_needs(backend: Backend) -> None:
    world = build_world(now=NOW)
    world.users = {"ann": make_user("ann@example.com"), "bob": make_user("bob@example.com"), "cid": make_user("c@x.io")}
    world.users["cid"].is_active = False
    await backend.put_world(world)
    booking, disabled = _open(world, "ann", ["E2", "A1"]), _open(world, "cid", ["B1"])
    async with backend.uow_factory() as uow:
        assert await uow.bookings.lock_showing(world.showing.id) is not None
        await uow.bookings.add(booking)
        await uow.bookings.add(disabled)
        await uow.commit()
    ann, bob = world.users["ann"].id, world.users["bob"].id
    async with backend.uow_factory() as uow:
        assert await uow.bookings.lock_showing_of_booking(booking.id, bob) is None  # someone else's: unknown
        assert await uow.bookings.lock_showing_of_booking(uuid4(), ann) is None
        showing = await uow.bookings.lock_showing_of_booking(booking.id, ann)
        assert showing is not None and showing.id == world.showing.id
        assert await uow.bookings.lock_showing_of_booking(booking.id, None) is not None  # for a manager
        locked = await uow.bookings.lock_booking(showing, booking.id)
        assert await uow.bookings.lock_booking(showing, uuid4()) is None
        of_disabled = await uow.bookings.lock_booking(showing, disabled.id)
    assert locked is not None and of_disabled is not None
    assert (locked.booking.id, locked.booking.booking_number) == (booking.id, booking.booking_number)
    assert (locked.booking.status, locked.booking.expires_at) == (BookingStatus.PENDING, NOW + HOLD)
    assert [s.label for s in locked.booking.seats] == ["A1", "E2"]  # in seat order
    assert str(locked.booking.total_price) == "25.00" and all(s.is_live for s in locked.booking.seats)
    assert (locked.showing.movie_title, locked.showing.room_name) == ("Test Movie", world.room.name)
    assert locked.showing.start_time == world.showing.start_time
    assert locked.customer is not None and locked.customer.email == "ann@example.com"
    assert locked.has_tickets is False
    assert of_disabled.customer is None  # an unknown or disabled account cannot confirm


async def test_list_views_filters_and_orders_newest_first(backend: Backend) -> None:
    world = await _world(backend)
    older = _open(world, "ann", ["D1"], now=NOW - timedelta(minutes=2))
    newer = _open(world, "ann", ["D2"], confirm=True, now=NOW - timedelta(minutes=1))
    other = _open(world, "bob", ["D3"])
    async with backend.uow_factory() as uow:
        for b in (older, newer, other):
            await uow.bookings.add(b)
        await uow.commit()
    async with backend.uow_factory() as uow:
        mine = await uow.bookings.list_views(BookingFilter(user_id=world.users["ann"].id), NOW, 20, 0)
        confirmed = await uow.bookings.list_views(BookingFilter(status=BookingStatus.CONFIRMED), NOW, 20, 0)
        past = await uow.bookings.list_views(BookingFilter(upcoming=False), NOW, 20, 0)
        admin = await uow.bookings.list_views(BookingFilter(), NOW, 2, 1, with_user=True)
    assert [v.booking.id for v in mine.items] == [newer.id, older.id] and mine.total == 2
    assert [v.booking.id for v in confirmed.items] == [newer.id]
    assert past.total == 0
    assert admin.total == 3 and [v.booking.id for v in admin.items] == [newer.id, older.id]
    assert admin.items[0].user is not None and admin.items[0].user.email == "ann@example.com"


async def test_idempotency_keys_replay_and_expire(backend: Backend) -> None:
    world = await _world(backend)
    ann = world.users["ann"].id
    async with backend.uow_factory() as uow:
        assert await uow.bookings.claim_key(ann, "k1", "hash-1", NOW) is None
        await uow.bookings.store_response(ann, "k1", {"id": "x"})
        await uow.commit()
    async with backend.uow_factory() as uow:
        stored = await uow.bookings.claim_key(ann, "k1", "hash-2", NOW + timedelta(hours=1))
    assert stored is not None and (stored.request_hash, dict(stored.body)) == ("hash-1", {"id": "x"})
    async with backend.uow_factory() as uow:
        assert await uow.bookings.claim_key(ann, "k1", "hash-3", NOW + timedelta(hours=25)) is None
        await uow.commit()
    async with backend.uow_factory() as uow:
        assert await uow.bookings.purge_keys(NOW + timedelta(hours=50)) == 1
        await uow.commit()


async def test_live_bookings_and_completion(backend: Backend) -> None:
    world = await _world(backend)
    held, booked = _open(world, "ann", ["E1"]), _open(world, "bob", ["E2"], confirm=True)
    async with backend.uow_factory() as uow:
        await uow.bookings.add(held)
        await uow.bookings.add(booked)
        await uow.commit()
    async with backend.uow_factory() as uow:
        live = await uow.bookings.live_bookings_of_showing(world.showing.id)
        nothing_yet = await uow.bookings.complete_ended(NOW)
        await uow.commit()
    assert {b.id for b in live} == {held.id, booked.id} and nothing_yet == []
    after_end = world.showing.end_time + timedelta(minutes=1)
    async with backend.uow_factory() as uow:
        done = await uow.bookings.complete_ended(after_end)
        await uow.commit()
    assert [b.id for b in done] == [booked.id] and done[0].status is BookingStatus.COMPLETED


async def test_stats_count_sold_held_and_revenue(backend: Backend) -> None:
    world = await _world(backend)
    cancelled = _open(world, "bob", ["A5"], confirm=True)
    cancelled.cancel(CancelledBy.CUSTOMER, NOW, world.showing.start_time, timedelta(minutes=60))
    async with backend.uow_factory() as uow:
        await uow.bookings.add(_open(world, "ann", ["A1", "E1"], confirm=True))
        await uow.bookings.add(_open(world, "bob", ["A2"]))
        await uow.bookings.add(_open(world, "bob", ["A3"], now=NOW - timedelta(hours=1)))  # lapsed hold
        await uow.bookings.add(cancelled)
        await uow.commit()
    stats = await backend.stats.stats(None, None, NOW)
    assert (stats.users, stats.movies, stats.rooms, stats.upcoming_showings) == (2, 1, 1, 1)
    assert (stats.confirmed_bookings, stats.tickets_sold, str(stats.revenue)) == (1, 2, "25.00")
    [row] = stats.occupancy
    assert (row.showing_id, row.capacity, row.sold, row.held) == (world.showing.id, 50, 2, 1)
    assert [(m.movie_id, m.tickets_sold, str(m.revenue)) for m in stats.top_movies] == [(world.movie.id, 2, "25.00")]
    later = await backend.stats.stats(NOW + timedelta(days=5), None, NOW)
    assert (later.tickets_sold, later.occupancy, later.top_movies) == (0, [], [])
