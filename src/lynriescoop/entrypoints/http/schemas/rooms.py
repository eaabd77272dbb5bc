"""Room and seat schemas (API.md §4)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Self
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field, StrictInt, StringConstraints, model_validator

from lynriescoop.application.catalogue.rooms.create_room import CreateRoomCommand
from lynriescoop.application.ports.repositories import Page
from lynriescoop.application.ports.rooms import RoomSummary
from lynriescoop.domain.formats import utc
from lynriescoop.domain.rooms import MAX_SEATS_PER_ROOM, Features, Room, RowSpec, Seat, SeatCategory, SeatSpec

RoomName = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]


def _no_nulls(model: BaseModel) -> None:
    """PATCH bodies: leave a field out to keep it; ``null`` is not a value of any of them."""
    for name in sorted(model.model_fields_set):
        if getattr(model, name) is None:
            raise ValueError(f"{name} cannot be null")


class SeatIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    number: StrictInt = Field(description="1..999, unique in the row")
    category: SeatCategory | None = Field(default=None, description="default: the row's category")


class RowIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    label: str = Field(max_length=3, description="1 to 3 capital letters, unique in the room", examples=["A"])
    seats: StrictInt | Annotated[list[SeatIn], Field(max_length=MAX_SEATS_PER_ROOM)] = Field(
        description="a count N (seats 1..N) or explicit seats", examples=[12]
    )
    category: SeatCategory = Field(default=SeatCategory.STANDARD, description="default category of its seats")

    def spec(self) -> RowSpec:
        seats = self.seats if isinstance(self.seats, int) else tuple(SeatSpec(s.number, s.category) for s in self.seats)
        return RowSpec(self.label, seats, self.category)


class RoomCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: RoomName
    has_3d: bool = False
    has_imax: bool = False
    has_dolby: bool = False
    rows: list[RowIn] = Field(max_length=MAX_SEATS_PER_ROOM, description="front row first")

    def command(self) -> CreateRoomCommand:
        features = Features(has_3d=self.has_3d, has_imax=self.has_imax, has_dolby=self.has_dolby)
        return CreateRoomCommand(self.name, features, tuple(row.spec() for row in self.rows))


class RoomUpdate(BaseModel):
    """Send only what changes."""

    model_config = ConfigDict(extra="forbid")

    name: RoomName | None = None
    has_3d: bool | None = None
    has_imax: bool | None = None
    has_dolby: bool | None = None

    @model_validator(mode="after")
    def _check(self) -> Self:
        _no_nulls(self)
        return self


class SeatUpdate(BaseModel):
    """Send only what changes: ``is_active: false`` blocks the seat."""

    model_config = ConfigDict(extra="forbid")

    is_active: bool | None = None
    category: SeatCategory | None = None

    @model_validator(mode="after")
    def _check(self) -> Self:
        _no_nulls(self)
        return self


class SeatOut(BaseModel):
    id: UUID
    row: str
    number: int
    label: str = Field(examples=["C7"])
    category: SeatCategory
    is_accessible: bool
    is_active: bool = Field(description="false: blocked, cannot be booked")

    @classmethod
    def of(cls, seat: Seat) -> SeatOut:
        return cls(
            id=seat.id,
            row=seat.row,
            number=seat.number,
            label=str(seat.label),
            category=seat.category,
            is_accessible=seat.is_accessible,
            is_active=seat.is_active,
        )


class RowOut(BaseModel):
    label: str
    seats: list[SeatOut]


class RoomListItem(BaseModel):
    id: UUID
    name: str
    capacity: int = Field(description="active seats")
    has_3d: bool
    has_imax: bool
    has_dolby: bool

    @classmethod
    def of(cls, room: RoomSummary | Room) -> RoomListItem:
        return cls(
            id=room.id,
            name=room.name,
            capacity=room.capacity,
            has_3d=room.features.has_3d,
            has_imax=room.features.has_imax,
            has_dolby=room.features.has_dolby,
        )


class RoomOut(RoomListItem):
    rows: list[RowOut] = Field(description="front row first, seats by number")
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of_room(cls, room: Room) -> RoomOut:
        return cls(
            **RoomListItem.of(room).model_dump(),
            rows=[RowOut(label=label, seats=[SeatOut.of(s) for s in seats]) for label, seats in room.rows],
            created_at=utc(room.created_at),
            updated_at=utc(room.updated_at),
        )


class RoomPage(BaseModel):
    items: list[RoomListItem]
    total: int
    limit: int
    offset: int

    @classmethod
    def of(cls, page: Page[RoomSummary]) -> RoomPage:
        return cls(
            items=[RoomListItem.of(r) for r in page.items], total=page.total, limit=page.limit, offset=page.offset
        )
