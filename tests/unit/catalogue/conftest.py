"""Room and showing use cases on the in-memory adapters, with a hand-moved clock."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from uuid import UUID, uuid4
from zoneinfo import ZoneInfo

import pytest

from lynriescoop.adapters.memory.store import MemoryStore
from lynriescoop.adapters.memory.unit_of_work import MemoryUnitOfWork
from lynriescoop.application.delivery.routing import route_event
from lynriescoop.application.ports.unit_of_work import UnitOfWork
from lynriescoop.domain.bookings import Booking, BookingStatus, SeatReservation
from lynriescoop.domain.events import DomainEvent
from lynriescoop.domain.movies import Movie
from lynriescoop.domain.rooms import Features, Room, RowSpec, SeatCategory
from lynriescoop.domain.showings import Showing
from lynriescoop.domain.values import BookingNumber
from tests.factories import MutableClock

T0 = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
BRUSSELS = ZoneInfo("Europe/Brussels")
CLEANING = timedelta(minutes=15)


@dataclass
class Cinema:
    """The memory store, the clock, and every unit of work handed out (to read the events they committed)."""

    store: MemoryStore
    clock: MutableClock
    uows: list[MemoryUnitOfWork] = field(default_factory=list)

    def uow(self) -> UnitOfWork:
        unit = MemoryUnitOfWork(self.store, route_event)
        self.uows.append(unit)
        return unit

    @property
    def events(self) -> list[DomainEvent]:
        return [event for unit in self.uows for event in unit.committed_events]

    def add_movie(self, title: str = "Dune", runtime: int = 120, poster_path: str | None = "/dune.jpg") -> Movie:
        movie = Movie(title=title, runtime=runtime, poster_path=poster_path, created_at=T0, updated_at=T0)
        self.store.state.movies[movie.id] = movie
        return movie

    def add_room(self, name: str = "Aurora", rows: int = 3, per_row: int = 4, **features: bool) -> Room:
        layout = [
            RowSpec(chr(65 + i), per_row, SeatCategory.PREMIUM if i == rows - 1 else SeatCategory.STANDARD)
            for i in range(rows)
        ]
        room = Room.create(name, Features(**features), layout, T0)
        self.store.state.rooms[room.id] = room
        return room

    def add_showing(
        self, movie: Movie, room: Room, starts_in: timedelta, *, minutes: int | None = None, **kwargs: object
    ) -> Showing:
        start = self.clock.now() + starts_in
        showing = Showing(
            movie_id=movie.id,
            room_id=room.id,
            start_time=start,
            end_time=start + timedelta(minutes=minutes or movie.runtime),
            price=Decimal("10.00"),
            prices={SeatCategory.PREMIUM: Decimal("15.00")},
            created_at=T0,
            updated_at=T0,
            **kwargs,  # type: ignore[arg-type]
        )
        self.store.state.showings[showing.id] = showing
        return showing

    def add_booking(
        self,
        showing: Showing,
        seat_ids: list[UUID],
        status: BookingStatus,
        *,
        expires_in: timedelta | None = None,
        user_id: UUID | None = None,
    ) -> Booking:
        booking = Booking(
            booking_number=BookingNumber.generate(),
            user_id=user_id or uuid4(),
            showing_id=showing.id,
            currency="EUR",
            created_at=self.clock.now(),
            status=status,
            expires_at=self.clock.now() + expires_in if expires_in is not None else None,
        )
        live = status in (BookingStatus.PENDING, BookingStatus.CONFIRMED)
        booking.seats = [
            SeatReservation(
                booking.id, showing.id, seat_id, "X1", SeatCategory.STANDARD, Decimal("10.00"), is_live=live
            )
            for seat_id in seat_ids
        ]
        self.store.state.bookings[booking.id] = booking
        return booking


@pytest.fixture
def cinema() -> Cinema:
    return Cinema(MemoryStore(), MutableClock(T0))
