"""Test data written straight through the repositories' tables, independent of the routes under test."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any
from uuid import UUID

from sqlalchemy import insert
from sqlalchemy.ext.asyncio import AsyncEngine

from lynriescoop.adapters.memory.store import MemoryStore
from lynriescoop.adapters.postgres import tables as t
from lynriescoop.domain.events import BookingDetails
from lynriescoop.domain.movies import Movie
from lynriescoop.domain.rooms import Room, Seat, SeatCategory
from lynriescoop.domain.showings import Showing
from lynriescoop.domain.users import Role, User
from lynriescoop.domain.values import EmailAddress

ROW_LABELS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"


@dataclass
class World:
    """A movie, a room of ``rows x per_row`` seats (last row premium) and one scheduled showing of it."""

    movie: Movie
    room: Room
    showing: Showing
    users: dict[str, User] = field(default_factory=dict)

    @property
    def seat_ids(self) -> list[UUID]:
        return [s.id for s in self.room.seats]

    def seat(self, label: str) -> Seat:
        return next(s for s in self.room.seats if str(s.label) == label)


def build_world(
    *,
    now: datetime | None = None,
    rows: int = 5,
    per_row: int = 10,
    starts_in: timedelta = timedelta(days=2),
    price: str = "10.00",
    premium_price: str = "15.00",
) -> World:
    now = now or datetime.now(UTC)
    movie = Movie(title="Test Movie", runtime=120, created_at=now, updated_at=now)
    room = Room(name=f"Room {uuid.uuid4().hex[:6]}", created_at=now, updated_at=now)
    for r in range(rows):
        for n in range(1, per_row + 1):
            category = SeatCategory.PREMIUM if r == rows - 1 else SeatCategory.STANDARD
            room.seats.append(Seat(room_id=room.id, row=ROW_LABELS[r], number=n, row_index=r, category=category))
    start = (now + starts_in).replace(microsecond=0)
    showing = Showing(
        movie_id=movie.id,
        room_id=room.id,
        start_time=start,
        end_time=start + timedelta(minutes=movie.runtime),
        price=Decimal(price),
        prices={SeatCategory.PREMIUM: Decimal(premium_price)},
        created_at=now,
        updated_at=now,
    )
    return World(movie=movie, room=room, showing=showing)


def booking_details(**overrides: Any) -> BookingDetails:
    """A customer's booking as its email shows it: a two-seat booking of Ann's, unless ``overrides`` say otherwise."""
    values: dict[str, Any] = {
        "recipient_email": "ann@example.com",
        "recipient_name": "Ann",
        "booking_number": "7KQ2M9XA",
        "movie_title": "Dune: Part Two",
        "room_name": "Room 1",
        "start_time": datetime(2026, 11, 28, 19, 30, tzinfo=UTC),
        "seat_labels": ("C7", "C8"),
        "total_price": Decimal("25.50"),
        "currency": "EUR",
    }
    values.update(overrides)
    return BookingDetails(**values)


def make_user(email: str, *, role: Role = Role.USER, name: str | None = None) -> User:
    return User(
        email=EmailAddress(email),
        name=name or email.split("@")[0].title(),
        password_hash="not-a-real-hash",
        role=role,
        created_at=datetime.now(UTC),
    )


def put_in_memory(store: MemoryStore, world: World) -> None:
    state = store.state
    state.movies[world.movie.id] = world.movie
    state.rooms[world.room.id] = world.room
    state.showings[world.showing.id] = world.showing
    for user in world.users.values():
        state.users[user.id] = user


async def put_in_postgres(engine: AsyncEngine, world: World) -> None:
    m, r, s = world.movie, world.room, world.showing
    async with engine.begin() as conn:
        await conn.execute(insert(t.movies).values(id=m.id, title=m.title, runtime=m.runtime))
        await conn.execute(insert(t.rooms).values(id=r.id, name=r.name, has_3d=False, has_imax=False, has_dolby=False))
        await conn.execute(
            insert(t.seats),
            [
                {
                    "id": seat.id,
                    "room_id": r.id,
                    "row_label": seat.row,
                    "row_index": seat.row_index,
                    "number": seat.number,
                    "category": seat.category.value,
                    "is_active": seat.is_active,
                }
                for seat in r.seats
            ],
        )
        await conn.execute(
            insert(t.showings).values(
                id=s.id,
                movie_id=m.id,
                room_id=r.id,
                start_time=s.start_time,
                end_time=s.end_time,
                price=s.price,
                prices={k.value: str(v) for k, v in s.prices.items()},
                status=s.status.value,
            )
        )
        for user in world.users.values():
            await conn.execute(
                insert(t.users).values(
                    id=user.id,
                    email=user.email.value,
                    name=user.name,
                    password_hash=user.password_hash,
                    role=user.role.value,
                    is_active=user.is_active,
                    created_at=user.created_at,
                )
            )


class MutableClock:
    """A clock tests move by hand: holds expire without sleeping."""

    def __init__(self, now: datetime | None = None) -> None:
        self.current = now or datetime.now(UTC)

    def now(self) -> datetime:
        return self.current

    def advance(self, delta: timedelta) -> None:
        self.current += delta


async def lapsed_holds(engine: AsyncEngine, world: World, user: str, labels: list[str]) -> list[uuid.UUID]:
    """Pending bookings whose holds lapsed a minute ago, one seat each, written straight into the tables."""
    ids: list[uuid.UUID] = []
    async with engine.begin() as conn:
        for label in labels:
            booking_id = uuid.uuid4()
            ids.append(booking_id)
            await conn.execute(
                insert(t.bookings).values(
                    id=booking_id,
                    booking_number=uuid.uuid4().hex[:8].upper(),
                    user_id=world.users[user].id,
                    showing_id=world.showing.id,
                    status="pending",
                    total_price=Decimal("10.00"),
                    currency="EUR",
                    expires_at=datetime.now(UTC) - timedelta(minutes=1),
                )
            )
            await conn.execute(
                insert(t.seat_reservations).values(
                    id=uuid.uuid4(),
                    booking_id=booking_id,
                    showing_id=world.showing.id,
                    seat_id=world.seat(label).id,
                    label=label,
                    category="standard",
                    price=Decimal("10.00"),
                )
            )
    return ids
