"""Showing and seat-map schemas (API.md §5)."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Self
from uuid import UUID

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, model_validator

from lynriescoop.application.catalogue.showings.schedule_showing import ScheduleShowingCommand
from lynriescoop.application.catalogue.showings.update_showing import UpdateShowingCommand
from lynriescoop.application.ports.read_models import ShowingView
from lynriescoop.application.ports.repositories import Page
from lynriescoop.domain.formats import money, utc
from lynriescoop.domain.movies import poster_url
from lynriescoop.domain.rooms import SeatCategory
from lynriescoop.domain.seat_maps import SeatStatus
from lynriescoop.domain.showings import ShowingStatus
from lynriescoop.entrypoints.http.schemas.money import MoneyIn, MoneyOut

Prices = Annotated[dict[SeatCategory, MoneyIn], Field(description="per seat category; a missing one costs `price`")]


class ShowingCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    movie_id: UUID
    room_id: UUID
    start_time: AwareDatetime = Field(description="RFC 3339 with offset; not in the past")
    end_time: AwareDatetime | None = Field(default=None, description="default: start_time + the movie's runtime")
    price: MoneyIn
    prices: Prices = Field(default_factory=dict)
    is_3d: bool = False
    is_imax: bool = False
    is_dolby: bool = False

    def command(self) -> ScheduleShowingCommand:
        return ScheduleShowingCommand(
            movie_id=self.movie_id,
            room_id=self.room_id,
            start_time=self.start_time,
            end_time=self.end_time,
            price=self.price,
            prices=dict(self.prices),
            is_3d=self.is_3d,
            is_imax=self.is_imax,
            is_dolby=self.is_dolby,
        )


class ShowingUpdate(BaseModel):
    """Send only what changes. A new ``start_time`` without ``end_time`` keeps the duration; ``prices`` replaces
    the whole map (send ``{}`` to clear it)."""

    model_config = ConfigDict(extra="forbid")

    start_time: AwareDatetime | None = None
    end_time: AwareDatetime | None = None
    price: MoneyIn | None = None
    prices: Prices | None = None
    room_id: UUID | None = None
    is_3d: bool | None = None
    is_imax: bool | None = None
    is_dolby: bool | None = None

    @model_validator(mode="after")
    def _no_nulls(self) -> Self:
        for name in sorted(self.model_fields_set):
            if getattr(self, name) is None:
                raise ValueError(f"{name} cannot be null")
        return self

    def command(self, showing_id: UUID) -> UpdateShowingCommand:
        return UpdateShowingCommand(
            showing_id=showing_id,
            start_time=self.start_time,
            end_time=self.end_time,
            price=self.price,
            prices=dict(self.prices) if self.prices is not None else None,
            room_id=self.room_id,
            is_3d=self.is_3d,
            is_imax=self.is_imax,
            is_dolby=self.is_dolby,
        )


class ShowingsQuery(BaseModel):
    """The filters of GET /showings."""

    movie_id: UUID | None = None
    room_id: UUID | None = None
    day: date | None = Field(default=None, alias="date", description="that day in CINEMA_TIMEZONE (YYYY-MM-DD)")
    starts_from: AwareDatetime | None = Field(default=None, alias="from", description="start_time >= from")
    starts_before: AwareDatetime | None = Field(default=None, alias="to", description="start_time < to")
    status: ShowingStatus = Field(
        default=ShowingStatus.SCHEDULED, description="`completed`: the end has passed (whatever was stored)"
    )
    include_past: bool = Field(
        default=False,
        description="false: only showings that have not started yet (ignored for `status=completed`)",
    )
    limit: int = Field(default=20, ge=1, le=100)
    offset: int = Field(default=0, ge=0, le=1_000_000)

    @model_validator(mode="after")
    def _range(self) -> Self:
        if self.starts_from and self.starts_before and self.starts_from >= self.starts_before:
            raise ValueError("`from` must be before `to`")
        return self


class ShowingMovie(BaseModel):
    id: UUID
    title: str
    runtime: int = Field(description="minutes")
    poster_url: str | None


class ShowingRoom(BaseModel):
    id: UUID
    name: str


class ShowingOut(BaseModel):
    id: UUID
    movie: ShowingMovie
    room: ShowingRoom
    start_time: AwareDatetime
    end_time: AwareDatetime
    is_3d: bool
    is_imax: bool
    is_dolby: bool
    price: MoneyOut
    prices: dict[SeatCategory, MoneyOut]
    currency: str
    status: ShowingStatus
    capacity: int = Field(description="active seats of the room")
    available_seats: int = Field(description="capacity minus seats held (live holds) or booked")
    bookings_count: int = Field(description="confirmed bookings (not seats)")

    @classmethod
    def of(cls, view: ShowingView, currency: str, image_base_url: str) -> ShowingOut:
        showing = view.showing
        return cls(
            id=showing.id,
            movie=ShowingMovie(
                id=view.movie.id,
                title=view.movie.title,
                runtime=view.movie.runtime,
                poster_url=poster_url(view.movie.poster_path, image_base_url),
            ),
            room=ShowingRoom(id=view.room.id, name=view.room.name),
            start_time=utc(showing.start_time),
            end_time=utc(showing.end_time),
            is_3d=showing.is_3d,
            is_imax=showing.is_imax,
            is_dolby=showing.is_dolby,
            price=money(showing.price),
            prices={category: money(amount) for category, amount in showing.prices.items()},
            currency=currency,
            status=view.status,
            capacity=view.capacity,
            available_seats=view.available_seats,
            bookings_count=view.bookings_count,
        )


class ShowingPage(BaseModel):
    items: list[ShowingOut]
    total: int
    limit: int
    offset: int

    @classmethod
    def of(cls, page: Page[ShowingView], currency: str, image_base_url: str) -> ShowingPage:
        return cls(
            items=[ShowingOut.of(v, currency, image_base_url) for v in page.items],
            total=page.total,
            limit=page.limit,
            offset=page.offset,
        )


class SeatMapSeatOut(BaseModel):
    seat_id: UUID
    row: str
    number: int
    label: str
    category: SeatCategory
    is_accessible: bool
    status: SeatStatus
    price: MoneyOut


class SeatMapOut(BaseModel):
    showing_id: UUID
    version: int = Field(description="rises by one with every change of any seat of the showing")
    seats: list[SeatMapSeatOut] = Field(description="front row first, seats by number")
