"""Showings: a movie in a room at a time, with its prices."""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from uuid import UUID, uuid4

from lynriescoop.domain.errors import InvalidSchedule, RoomLacksFeature, RuleViolated, ShowingOverlap
from lynriescoop.domain.events import DomainEvent, SeatChangeReason, SeatsChanged, SeatState
from lynriescoop.domain.rooms import Features, SeatCategory

_CENT = Decimal("0.01")
MAX_PRICE = Decimal("100000")


def checked_price(amount: Decimal, what: str = "price") -> Decimal:
    """A price is a finite amount from 0 to 99999.99, kept with two decimal places."""
    if not amount.is_finite() or amount < 0 or amount >= MAX_PRICE:
        raise RuleViolated(f"The {what} must be between 0 and 99999.99.", code="invalid_price")
    return amount.quantize(_CENT, rounding=ROUND_HALF_UP)


def checked_prices(prices: Mapping[SeatCategory, Decimal]) -> dict[SeatCategory, Decimal]:
    return {SeatCategory(category): checked_price(amount, f"{category} price") for category, amount in prices.items()}


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
    # The facts this showing recorded in the current unit of work (collected and cleared at commit).
    events: list[DomainEvent] = field(default_factory=list, repr=False)

    def record_seat_change(self, reason: SeatChangeReason, seats: Iterable[SeatState], now: datetime) -> int:
        """Seats of this showing changed: its seat-map version rises by exactly one and the change is recorded
        as a fact (``SeatsChanged``, the MQTT delta). Call it only while the showing's row is locked (the booking
        repository's ``lock_showing``), which is what makes versions rise one by one across processes; the unit
        of work writes the new version with the change. Returns the new version."""
        self.seat_version += 1
        self.events.append(SeatsChanged(now, self.id, self.seat_version, reason, tuple(seats)))
        return self.seat_version

    @classmethod
    def schedule(
        cls,
        *,
        movie_id: UUID,
        room_id: UUID,
        room_features: Features,
        start_time: datetime,
        end_time: datetime,
        price: Decimal,
        prices: Mapping[SeatCategory, Decimal],
        is_3d: bool,
        is_imax: bool,
        is_dolby: bool,
        now: datetime,
    ) -> Showing:
        """A new scheduled showing. Rules: it starts now or later and ends after it starts (InvalidSchedule);
        prices are 0..99999.99 (invalid_price); the room has every format asked for (RoomLacksFeature)."""
        _check_times(start_time, end_time)
        if start_time < now:
            raise InvalidSchedule("A showing cannot start in the past.")
        showing = cls(
            movie_id=movie_id,
            room_id=room_id,
            start_time=start_time,
            end_time=end_time,
            price=checked_price(price),
            prices=checked_prices(prices),
            is_3d=is_3d,
            is_imax=is_imax,
            is_dolby=is_dolby,
            created_at=now,
            updated_at=now,
        )
        showing.check_format(room_features)
        return showing

    def check_format(self, features: Features) -> None:
        """The room must project every format the showing is announced in."""
        missing = features.missing_for(is_3d=self.is_3d, is_imax=self.is_imax, is_dolby=self.is_dolby)
        if missing:
            raise RoomLacksFeature(f"The room has no {', '.join(missing)}.")

    def revise(
        self,
        *,
        now: datetime,
        room_id: UUID,
        room_features: Features,
        start_time: datetime | None = None,
        end_time: datetime | None = None,
        price: Decimal | None = None,
        prices: Mapping[SeatCategory, Decimal] | None = None,
        is_3d: bool | None = None,
        is_imax: bool | None = None,
        is_dolby: bool | None = None,
    ) -> None:
        """Change what a manager may change (``None`` keeps a value) and move it to ``room_id``.

        Rules: a cancelled or ended showing cannot change (InvalidSchedule); a new start is not in the past and
        the end stays after the start (InvalidSchedule); a new start without a new end keeps the duration;
        prices are valid; the (new) room has every format asked for (RoomLacksFeature). Overlaps and bookings
        are the caller's to check, under the room lock.
        """
        if self.effective_status(now) is not ShowingStatus.SCHEDULED:
            raise InvalidSchedule(f"A {self.effective_status(now).value} showing cannot be changed.")
        new_start = start_time if start_time is not None else self.start_time
        new_end = end_time if end_time is not None else self.end_time + (new_start - self.start_time)
        _check_times(new_start, new_end)
        if start_time is not None and start_time != self.start_time and start_time < now:
            raise InvalidSchedule("A showing cannot be moved to start in the past.")
        self.start_time, self.end_time = new_start, new_end
        if price is not None:
            self.price = checked_price(price)
        if prices is not None:
            self.prices = checked_prices(prices)
        self.is_3d = self.is_3d if is_3d is None else is_3d
        self.is_imax = self.is_imax if is_imax is None else is_imax
        self.is_dolby = self.is_dolby if is_dolby is None else is_dolby
        self.room_id = room_id
        self.check_format(room_features)
        self.updated_at = now

    def cancel(self, now: datetime) -> bool:
        """Cancel the showing. Returns False when it already was; a showing that has ended cannot be cancelled."""
        if self.status is ShowingStatus.CANCELLED:
            return False
        if self.effective_status(now) is ShowingStatus.COMPLETED:
            raise InvalidSchedule("A showing that has ended cannot be cancelled.")
        self.status = ShowingStatus.CANCELLED
        self.cancelled_at = now
        self.updated_at = now
        return True

    def ensure_no_conflict(self, others: Iterable[Showing], cleaning: timedelta) -> None:
        """Refuse (ShowingOverlap) when another showing of the room is too close, cleaning time included."""
        clash = next((other for other in others if self.schedule_conflicts(other, cleaning)), None)
        if clash is not None:
            raise ShowingOverlap(
                f"The room is busy from {clash.start_time.isoformat()} to {clash.end_time.isoformat()}, "
                f"plus {int(cleaning.total_seconds() // 60)} minutes of cleaning."
            )

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


def _check_times(start_time: datetime, end_time: datetime) -> None:
    if start_time.tzinfo is None or end_time.tzinfo is None:
        raise InvalidSchedule("Times need a UTC offset.")
    if end_time <= start_time:
        raise InvalidSchedule("A showing must end after it starts.")
