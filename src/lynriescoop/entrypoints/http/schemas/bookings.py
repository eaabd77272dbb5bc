"""Booking schemas (API.md §6 and the booking rows of §7)."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal, Self
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field, model_validator

from lynriescoop.application.ports.bookings import BookingView, OccupancyRow, Stats, TopMovieRow
from lynriescoop.domain.bookings import BookingStatus
from lynriescoop.domain.formats import money, utc
from lynriescoop.domain.rooms import SeatCategory
from lynriescoop.entrypoints.http.schemas.money import MoneyOut


class BookingCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    showing_id: UUID
    seat_ids: list[UUID] = Field(min_length=1, max_length=100, description="Distinct seat ids of the room.")
    confirm: bool = Field(default=False, description="Book at once instead of holding.")


class BestAvailableCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    count: int = Field(ge=1, le=100, description="Neighbouring seats wanted, 1..MAX_SEATS_PER_BOOKING.")
    category: Literal["standard", "premium"] | None = Field(
        default=None, description="Only seats of this category (default: standard or premium)."
    )
    accessible: bool = Field(default=False, description="Wheelchair spaces with the companion seats beside them.")
    confirm: bool = Field(default=False, description="Book at once instead of holding.")

    @model_validator(mode="after")
    def _one_kind(self) -> Self:
        if self.accessible and self.category is not None:
            raise ValueError("category and accessible cannot be combined")
        return self


class BookingShowing(BaseModel):
    id: UUID
    start_time: datetime
    movie_title: str
    room_name: str


class BookingSeat(BaseModel):
    seat_id: UUID
    label: str
    category: SeatCategory
    price: MoneyOut


class BookingUser(BaseModel):
    id: UUID
    email: str
    name: str


# Every booking answer is this schema, mapped from the booking's view by ``of``, except the answer to placing one
# (POST /bookings, best available): that is the placed booking's document, sent as stored for its Idempotency-Key
# (application/bookings/serialization.py); tests/unit/bookings/test_booking_document.py holds the two to one JSON.
class BookingOut(BaseModel):
    id: UUID
    booking_number: str = Field(pattern=r"^[0-9A-HJKMNP-TV-Z]{8}$")
    user_id: UUID
    showing: BookingShowing
    seats: list[BookingSeat]
    total_price: MoneyOut
    currency: str
    status: BookingStatus
    expires_at: datetime | None
    created_at: datetime
    confirmed_at: datetime | None
    cancelled_at: datetime | None

    @classmethod
    def of(cls, view: BookingView) -> Self:
        return cls(**_booking_fields(view))


class AdminBookingOut(BookingOut):
    """A booking with its user, as managers list them."""

    user: BookingUser

    @classmethod
    def of(cls, view: BookingView) -> Self:
        if view.user is None:
            raise ValueError("a manager's booking view carries its user")
        user = BookingUser(id=view.user.id, email=view.user.email, name=view.user.name)
        return cls(**_booking_fields(view), user=user)


def _booking_fields(view: BookingView) -> dict[str, Any]:
    booking = view.booking
    return {
        "id": booking.id,
        "booking_number": booking.booking_number.value,
        "user_id": booking.user_id,
        "showing": BookingShowing(
            id=view.showing.id,
            start_time=utc(view.showing.start_time),
            movie_title=view.showing.movie_title,
            room_name=view.showing.room_name,
        ),
        "seats": [
            BookingSeat(seat_id=seat.seat_id, label=seat.label, category=seat.category, price=money(seat.price))
            for seat in booking.seats
        ],
        "total_price": money(booking.total_price),
        "currency": booking.currency,
        "status": booking.status,
        "expires_at": _utc_or_none(booking.expires_at),
        "created_at": utc(booking.created_at),
        "confirmed_at": _utc_or_none(booking.confirmed_at),
        "cancelled_at": _utc_or_none(booking.cancelled_at),
    }


def _utc_or_none(moment: datetime | None) -> datetime | None:
    return utc(moment) if moment is not None else None


class OccupancyOut(BaseModel):
    showing_id: UUID
    movie_title: str
    start_time: datetime
    capacity: int
    sold: int
    held: int
    checked_in: int = Field(description="tickets admitted at the door (API.md §11)")
    occupancy_pct: float

    @classmethod
    def of(cls, row: OccupancyRow) -> Self:
        return cls(
            showing_id=row.showing_id,
            movie_title=row.movie_title,
            start_time=utc(row.start_time),
            capacity=row.capacity,
            sold=row.sold,
            held=row.held,
            checked_in=row.checked_in,
            occupancy_pct=round(100 * row.sold / row.capacity, 1) if row.capacity else 0.0,
        )


class TopMovieOut(BaseModel):
    movie_id: UUID
    title: str
    tickets_sold: int
    revenue: MoneyOut

    @classmethod
    def of(cls, row: TopMovieRow) -> Self:
        return cls(movie_id=row.movie_id, title=row.title, tickets_sold=row.tickets_sold, revenue=money(row.revenue))


class StatsOut(BaseModel):
    users: int
    movies: int
    rooms: int
    upcoming_showings: int
    confirmed_bookings: int
    tickets_sold: int
    revenue: MoneyOut
    currency: str
    occupancy: list[OccupancyOut]
    top_movies: list[TopMovieOut]

    @classmethod
    def of(cls, figures: Stats, currency: str) -> Self:
        return cls(
            users=figures.users,
            movies=figures.movies,
            rooms=figures.rooms,
            upcoming_showings=figures.upcoming_showings,
            confirmed_bookings=figures.confirmed_bookings,
            tickets_sold=figures.tickets_sold,
            revenue=money(figures.revenue),
            currency=currency,
            occupancy=[OccupancyOut.of(row) for row in figures.occupancy],
            top_movies=[TopMovieOut.of(row) for row in figures.top_movies],
        )
