"""Showings: a movie in a room at a time, with its prices."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from uuid import UUID, uuid4

from lynriescoop.domain.rooms import SeatCategory


class ShowingStatus(enum.StrEnum):
    SCHEDULED = "scheduled"
    CANCELLED = "cancelled"
    COMPLETED = "completed"


@dataclass(eq=False, slots=True)
class Showing:
    movie_id: UUID
    room_id: UUID
    start_time: datetime
    end_time: datetime
    price: Decimal
    created_at: datetime
    updated_at: datetime
    prices: dict[SeatCategory, Decimal] = field(default_factory=dict)
    is_3d: bool = False
    is_imax: bool = False
    is_dolby: bool = False
    status: ShowingStatus = ShowingStatus.SCHEDULED
    seat_version: int = 0
    cancelled_at: datetime | None = None
    id: UUID = field(default_factory=uuid4)

    def price_for(self, category: SeatCategory) -> Decimal:
        """A category missing from ``prices`` costs the base ``price``."""
        return self.prices.get(category, self.price)

    def effective_status(self, now: datetime) -> ShowingStatus:
        """``completed`` once ``end_time`` has passed, even before anything wrote it down."""
        if self.status is ShowingStatus.SCHEDULED and now >= self.end_time:
            return ShowingStatus.COMPLETED
        return self.status

    def is_bookable(self, now: datetime) -> bool:
        return self.status is ShowingStatus.SCHEDULED and now < self.start_time

    def schedule_conflicts(self, other: Showing, cleaning: timedelta) -> bool:
        """Two showings of one room conflict unless ``cleaning`` separates them on both sides."""
        if other.id == self.id or other.room_id != self.room_id or other.status is ShowingStatus.CANCELLED:
            return False
        return self.start_time < other.end_time + cleaning and other.start_time < self.end_time + cleaning
