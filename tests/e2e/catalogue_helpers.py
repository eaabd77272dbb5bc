"""Helpers for the room and showing e2e tests: movies laid down through the ports, rooms and showings via HTTP."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any
from uuid import UUID, uuid4

import httpx
from fastapi import FastAPI

from lynriescoop.domain.bookings import Booking, BookingStatus, SeatReservation
from lynriescoop.domain.movies import Movie
from lynriescoop.domain.rooms import SeatCategory
from lynriescoop.domain.showings import Showing, ShowingStatus
from lynriescoop.domain.users import User
from lynriescoop.domain.values import BookingNumber, EmailAddress
from tests.e2e.auth_helpers import bearer, manager


async def manager_headers(app: FastAPI, client: httpx.AsyncClient) -> dict[str, str]:
    return bearer((await manager(app, client))["access_token"])


async def add_movie(app: FastAPI, title: str = "Dune", runtime: int = 155, poster_path: str | None = "/d.jpg") -> Movie:
    now = datetime.now(UTC)
    movie = Movie(title=title, runtime=runtime, poster_path=poster_path, created_at=now, updated_at=now)
    async with app.state.container.uow() as uow:
        await uow.movies.add(movie)
        await uow.commit()
    return movie


def room_body(name: str = "Aurora", rows: int = 3, per_row: int = 4, **features: bool) -> dict[str, Any]:
    body: dict[str, Any] = {
        "name": name,
        "rows": [
            {
                "label": "A",
                "seats": [
                    {"number": n, "category": "wheelchair" if n == 1 else "standard"} for n in range(1, per_row + 1)
                ],
            },
            *({"label": chr(65 + i), "seats": per_row} for i in range(1, rows - 1)),
            {"label": chr(65 + rows - 1), "seats": per_row, "category": "premium"},
        ],
    }
    body.update(features)
    return body


async def create_room(client: httpx.AsyncClient, headers: dict[str, str], **kwargs: Any) -> dict[str, Any]:
    response = await client.post("/rooms", json=room_body(**kwargs), headers=headers)
    assert response.status_code == 201, response.text
    room: dict[str, Any] = response.json()
    return room


def iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat()


def future(hours: float) -> datetime:
    """A whole minute ``hours`` from now."""
    return (datetime.now(UTC) + timedelta(hours=hours)).replace(second=0, microsecond=0)


async def schedule(
    client: httpx.AsyncClient, headers: dict[str, str], movie_id: UUID, room_id: str, start: datetime, **extra: Any
) -> httpx.Response:
    body: dict[str, Any] = {"movie_id": str(movie_id), "room_id": room_id, "start_time": iso(start), "price": "10.00"}
    body.update(extra)
    return await client.post("/showings", json=body, headers=headers)


async def insert_showing(
    app: FastAPI, movie: Movie, room_id: str, start: datetime, minutes: int = 120, **kwargs: Any
) -> Showing:
    """A showing written straight through the port (past ones cannot be scheduled through the API)."""
    showing = Showing(
        movie_id=movie.id,
        room_id=UUID(room_id),
        start_time=start,
        end_time=start + timedelta(minutes=minutes),
        price=Decimal("9.00"),
        created_at=start,
        updated_at=start,
        status=kwargs.pop("status", ShowingStatus.SCHEDULED),
        **kwargs,
    )
    async with app.state.container.uow() as uow:
        await uow.showings.add(showing)
        await uow.commit()
    return showing


async def insert_booking(
    app: FastAPI,
    showing_id: str,
    seat_ids: Sequence[str],
    status: BookingStatus,
    expires_at: datetime | None = None,
) -> Booking:
    """A booking by a fresh user, written through the booking port: its claims are live while pending or confirmed."""
    now = datetime.now(UTC)
    user = User(email=EmailAddress(f"{uuid4().hex[:10]}@example.com"), name="Ann", password_hash="x", created_at=now)
    booking = Booking(
        booking_number=BookingNumber.generate(),
        user_id=user.id,
        showing_id=UUID(showing_id),
        currency="EUR",
        created_at=now,
        status=status,
        expires_at=expires_at,
        confirmed_at=now if status is BookingStatus.CONFIRMED else None,
    )
    live = status in (BookingStatus.PENDING, BookingStatus.CONFIRMED)
    booking.seats = [
        SeatReservation(
            booking.id, booking.showing_id, UUID(s), "A1", SeatCategory.STANDARD, Decimal("10.00"), is_live=live
        )
        for s in seat_ids
    ]
    async with app.state.container.uow() as uow:
        await uow.users.add(user)
        await uow.bookings.add(booking)
        await uow.commit()
    return booking


def seat_ids(room: dict[str, Any]) -> list[str]:
    return [seat["id"] for row in room["rows"] for seat in row["seats"]]
