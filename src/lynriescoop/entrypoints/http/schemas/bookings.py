"""Booking schemas (API.md §6 and the booking rows of §7)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal, Self
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field, model_validator

from lynriescoop.domain.bookings import BookingStatus
from lynriescoop.domain.rooms import SeatCategory

Money = Annotated[str, Field(pattern=r"^\d+\.\d{2}$", examples=["12.50"])]


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
    price: Money


class BookingUser(BaseModel):
    id: UUID
    email: str
    name: str


class BookingOut(BaseModel):
    id: UUID
    booking_number: str = Field(pattern=r"^[0-9A-HJKMNP-TV-Z]{8}$")
    user_id: UUID
    showing: BookingShowing
    seats: list[BookingSeat]
    total_price: Money
    currency: str
    status: BookingStatus
    expires_at: datetime | None
    created_at: datetime
    confirmed_at: datetime | None
    cancelled_at: datetime | None


class AdminBookingOut(BookingOut):
    user: BookingUser


class OccupancyOut(BaseModel):
    showing_id: UUID
    movie_title: str
    start_time: datetime
    capacity: int
    sold: int
    held: int
    checked_in: int = Field(description="tickets admitted at the door (API.md §11)")
    occupancy_pct: float


class TopMovieOut(BaseModel):
    movie_id: UUID
    title: str
    tickets_sold: int
    revenue: Money


class StatsOut(BaseModel):
    users: int
    movies: int
    rooms: int
    upcoming_showings: int
    confirmed_bookings: int
    tickets_sold: int
    revenue: Money
    currency: str
    occupancy: list[OccupancyOut]
    top_movies: list[TopMovieOut]
