"""Rooms and their seat layouts."""

from __future__ import annotations

import enum
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from uuid import UUID, uuid4

from lynriescoop.domain.errors import InvalidRoomLayout
from lynriescoop.domain.values import SeatLabel

MAX_SEATS_PER_ROOM = 1000
MAX_SEAT_NUMBER = 999
_ROW_LABEL = re.compile(r"[A-Z]{1,3}")


class SeatCategory(enum.StrEnum):
    STANDARD = "standard"
    PREMIUM = "premium"
    WHEELCHAIR = "wheelchair"
    COMPANION = "companion"

    @property
    def forms_runs(self) -> bool:
        """Standard and premium seats make the runs of the single-seat rule; wheelchair spaces and companion
        seats end them."""
        return self in (SeatCategory.STANDARD, SeatCategory.PREMIUM)


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

    def set_active(self, active: bool) -> bool:
        """Block (inactive) or unblock a seat. Returns True when that changed anything."""
        changed = self.is_active != active
        self.is_active = active
        return changed


@dataclass(frozen=True, slots=True)
class Features:
    has_3d: bool = False
    has_imax: bool = False
    has_dolby: bool = False

    def missing_for(self, *, is_3d: bool, is_imax: bool, is_dolby: bool) -> list[str]:
        """The formats asked for that this room cannot project (``3d``, ``imax``, ``dolby``)."""
        wanted = (("3d", is_3d, self.has_3d), ("imax", is_imax, self.has_imax), ("dolby", is_dolby, self.has_dolby))
        return [name for name, asked, has in wanted if asked and not has]


@dataclass(frozen=True, slots=True)
class SeatSpec:
    """One explicitly numbered seat of a row description; no category means the row's category."""

    number: int
    category: SeatCategory | None = None


@dataclass(frozen=True, slots=True)
class RowSpec:
    """One row of a room description: ``seats`` is a count (numbered 1..N) or explicit seats."""

    label: str
    seats: int | Sequence[SeatSpec]
    category: SeatCategory = SeatCategory.STANDARD


def _row_seats(room_id: UUID, row_index: int, spec: RowSpec) -> list[Seat]:
    if not _ROW_LABEL.fullmatch(spec.label):
        raise InvalidRoomLayout(f"Row label {spec.label!r} must be 1 to 3 capital letters (A-Z).")
    if isinstance(spec.seats, int):
        if not 1 <= spec.seats <= MAX_SEAT_NUMBER:
            raise InvalidRoomLayout(f"Row {spec.label} needs 1 to {MAX_SEAT_NUMBER} seats.")
        numbered = [SeatSpec(n) for n in range(1, spec.seats + 1)]
    else:
        numbered = list(spec.seats)
        if not numbered:
            raise InvalidRoomLayout(f"Row {spec.label} has no seats.")
    seen: set[int] = set()
    for seat in numbered:
        if not 1 <= seat.number <= MAX_SEAT_NUMBER:
            raise InvalidRoomLayout(f"Seat numbers are 1 to {MAX_SEAT_NUMBER}; row {spec.label} has {seat.number}.")
        if seat.number in seen:
            raise InvalidRoomLayout(f"Seat {spec.label}{seat.number} appears twice.")
        seen.add(seat.number)
    return [
        Seat(room_id, spec.label, seat.number, row_index, seat.category or spec.category)
        for seat in sorted(numbered, key=lambda s: s.number)
    ]


def check_companions(seats: Sequence[Seat]) -> None:
    """Every companion seat sits beside a wheelchair space: a seat of the same row whose number is one more or one
    less (a missing number is an aisle, so a space across an aisle is not beside it). InvalidRoomLayout otherwise."""
    wheelchairs = {(s.row, s.number) for s in seats if s.category is SeatCategory.WHEELCHAIR}
    lonely = [
        str(s.label)
        for s in seats
        if s.category is SeatCategory.COMPANION
        and (s.row, s.number - 1) not in wheelchairs
        and (s.row, s.number + 1) not in wheelchairs
    ]
    if lonely:
        raise InvalidRoomLayout(
            f"A companion seat must sit beside a wheelchair space; {', '.join(lonely)} does not.", seat_labels=lonely
        )


def build_seats(room_id: UUID, rows: Sequence[RowSpec]) -> list[Seat]:
    """The seats of a room from its row description, front row first.

    Rules (InvalidRoomLayout otherwise): row labels are 1 to 3 capital letters and unique; seat numbers are
    1..999 and unique within their row (a number left out is an aisle); a count ``N`` numbers seats 1..N; the room
    has at least one seat and at most 1000; a ``companion`` seat sits beside a ``wheelchair`` space of its row.
    """
    if not rows:
        raise InvalidRoomLayout("A room needs at least one row of seats.")
    seen: set[str] = set()
    for row in rows:
        if row.label in seen:
            raise InvalidRoomLayout(f"Row label {row.label!r} appears twice.")
        seen.add(row.label)
    # Counted before building, so a hostile description cannot make us build millions of seats.
    total = sum(max(row.seats, 0) if isinstance(row.seats, int) else len(row.seats) for row in rows)
    if total > MAX_SEATS_PER_ROOM:
        raise InvalidRoomLayout(f"A room has at most {MAX_SEATS_PER_ROOM} seats; this one has {total}.")
    built = [seat for index, row in enumerate(rows) for seat in _row_seats(room_id, index, row)]
    check_companions(built)
    return built


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

    @classmethod
    def create(cls, name: str, features: Features, rows: Sequence[RowSpec], now: datetime) -> Room:
        """A new room with its seats built from ``rows`` (see :func:`build_seats` for the rules)."""
        room = cls(name=name, created_at=now, updated_at=now, features=features)
        room.seats = build_seats(room.id, rows)
        return room

    @property
    def capacity(self) -> int:
        return sum(1 for seat in self.seats if seat.is_active)

    @property
    def rows(self) -> list[tuple[str, list[Seat]]]:
        """Seats grouped by row, front row first, each row by seat number."""
        grouped: dict[str, list[Seat]] = {}
        for seat in sorted(self.seats, key=lambda s: (s.row_index, s.number)):
            grouped.setdefault(seat.row, []).append(seat)
        return list(grouped.items())

    def rename(self, name: str, now: datetime) -> None:
        name = name.strip()
        if not name:
            raise ValueError("a room needs a name")
        self.name = name
        self.updated_at = now

    def change_features(self, features: Features, now: datetime) -> None:
        self.features = features
        self.updated_at = now

    def seat(self, seat_id: UUID) -> Seat | None:
        return next((seat for seat in self.seats if seat.id == seat_id), None)
