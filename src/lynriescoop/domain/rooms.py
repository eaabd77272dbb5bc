"""Rooms and their seat layouts."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import datetime
from uuid import UUID, uuid4

from lynriescoop.domain.values import SeatLabel

MAX_SEATS_PER_ROOM = 1000


class SeatCategory(enum.StrEnum):
    STANDARD = "standard"
    PREMIUM = "premium"
    WHEELCHAIR = "wheelchair"


@dataclass(eq=False, slots=True)
class Seat:
    room_id: UUID
    row: str
    number: int
    row_index: int
    category: SeatCategory = SeatCategory.STANDARD
    is_active: bool = True
    id: UUID = field(default_factory=uuid4)

    @property
    def label(self) -> SeatLabel:
        return SeatLabel(self.row, self.number)

    @property
    def is_accessible(self) -> bool:
        return self.category is SeatCategory.WHEELCHAIR


@dataclass(frozen=True, slots=True)
class Features:
    has_3d: bool = False
    has_imax: bool = False
    has_dolby: bool = False


@dataclass(eq=False, slots=True)
class Room:
    name: str
    created_at: datetime
    updated_at: datetime
    features: Features = Features()
    seats: list[Seat] = field(default_factory=list)
    id: UUID = field(default_factory=uuid4)

    def __post_init__(self) -> None:
        self.name = self.name.strip()
        if not self.name:
            raise ValueError("a room needs a name")

    @property
    def capacity(self) -> int:
        return sum(1 for seat in self.seats if seat.is_active)

    def seat(self, seat_id: UUID) -> Seat | None:
        return next((seat for seat in self.seats if seat.id == seat_id), None)
