"""Test data for the room, showing and read-model contracts, written through the ports themselves."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from uuid import UUID, uuid4

from lynriescoop.application.ports.unit_of_work import UnitOfWorkFactory
from lynriescoop.domain.bookings import Booking, BookingStatus, SeatReservation
from lynriescoop.domain.movies import Movie
from lynriescoop.domain.rooms import Features, Room, RowSpec, SeatCategory, SeatSpec
from lynriescoop.domain.showings import Showing, ShowingStatus
from lynriescoop.domain.users import User
from lynriescoop.domain.values import BookingNumber, EmailAddress

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)


async def add_movie(uow_factory: UnitOfWorkFactory, title: str = "Dune", runtime: int = 120) -> Movie:
    movie = Movie(title=title, runtime=runtime, poster_path="/p.jpg", created_at=NOW, updated_at=NOW)
    async with uow_factory() as uow:
        await uow.movies.add(movie)
        await uow.commit()
    return movie


def make_room(name: str = "Aurora", rows: int = 2, per_row: int = 3, **features: bool) -> Room:
    layout: list[RowSpec] = [
        RowSpec("A", [SeatSpec(n, SeatCategory.WHEELCHAIR if n == 1 else None) for n in range(1, per_row + 1)])
    ]
    layout += [
        RowSpec(chr(65 + i), per_row, SeatCategory.PREMIUM if i == rows - 1 else SeatCategory.STANDARD)
        for i in range(1, rows)
    ]
    return Room.create(name, Features(**features), layout, NOW)


async def add_room(uow_factory: UnitOfWorkFactory, name: str = "Aurora", **kwargs: int | bool) -> Room:
    room = make_room(name, **kwargs)  # type: ignore[arg-type]
    async with uow_factory() as uow:
        await uow.rooms.add(room)
        await uow.commit()
    return room


def make_showing(
    movie: Movie,
    room: Room,
    starts_in: timedelta,
    minutes: int = 120,
    status: ShowingStatus = ShowingStatus.SCHEDULED,
    **kwargs: object,
) -> Showing:
    start = NOW + starts_in
    return Showing(
        movie_id=movie.id,
        room_id=room.id,
        start_time=start,
        end_time=start + timedelta(minutes=minutes),
        price=Decimal("10.00"),
        prices={SeatCategory.PREMIUM: Decimal("14.50")},
        status=status,
        created_at=NOW,
        updated_at=NOW,
        **kwargs,  # type: ignore[arg-type]
    )


async def add_showing(uow_factory: UnitOfWorkFactory, *args: object, **kwargs: object) -> Showing:
    showing = make_showing(*args, **kwargs)  # type: ignore[arg-type]
    async with uow_factory() as uow:
        await uow.showings.add(showing)
        await uow.commit()
    return showing


async def add_booking(
    uow_factory: UnitOfWorkFactory,
    showing: Showing,
    seat_ids: Sequence[UUID],
    status: BookingStatus,
    expires_at: datetime | None = None,
) -> Booking:
    """A booking of ``seat_ids`` by a new user; claims are live while it is pending or confirmed."""
    user = User(email=EmailAddress(f"{uuid4().hex[:10]}@example.com"), name="Ann", password_hash="x", created_at=NOW)
    booking = Booking(
        booking_number=BookingNumber.generate(),
        user_id=user.id,
        showing_id=showing.id,
        currency="EUR",
        created_at=NOW,
        status=status,
        expires_at=expires_at,
        confirmed_at=NOW if status is BookingStatus.CONFIRMED else None,
    )
    booking.seats = [
        SeatReservation(
            booking.id,
            showing.id,
            seat_id,
            "A1",
            SeatCategory.STANDARD,
            Decimal("10.00"),
            is_live=status in (BookingStatus.PENDING, BookingStatus.CONFIRMED),
        )
        for seat_id in seat_ids
    ]
    async with uow_factory() as uow:
        await uow.users.add(user)
        await uow.bookings.add(booking)
        await uow.commit()
    return booking
