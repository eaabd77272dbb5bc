"""The seat rules of API.md §6: no single seat left alone, and companion seats go with a wheelchair space.

Pure functions over the seats of the rows a request touches, as read inside the claiming transaction. Within a
row, two seats are neighbours when their numbers are consecutive; a missing number is an aisle.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from uuid import UUID

from lynriescoop.domain.errors import CompanionNeedsWheelchair, SingleSeatGap
from lynriescoop.domain.rooms import SeatCategory
from lynriescoop.domain.values import SeatLabel


@dataclass(frozen=True, slots=True)
class RowSeat:
    """One seat of a row of a showing as the rules see it. ``available``: active, and no live claim on it (a hold
    that has lapsed is no claim, even before a sweep marked it expired)."""

    seat_id: UUID
    row: str
    row_index: int
    number: int
    category: SeatCategory
    available: bool

    @property
    def label(self) -> str:
        return str(SeatLabel(self.row, self.number))


def rows_of(seats: Iterable[RowSeat]) -> list[list[RowSeat]]:
    """The seats grouped by row, front row first, each row by seat number."""
    grouped: dict[str, list[RowSeat]] = {}
    for seat in sorted(seats, key=lambda s: (s.row_index, s.number)):
        grouped.setdefault(seat.row, []).append(seat)
    return list(grouped.values())


def runs_of_row(row: Sequence[RowSeat]) -> list[list[RowSeat]]:
    """The runs of a row: maximal stretches of neighbouring standard or premium seats that are all available.
    Wheelchair spaces, companion seats, blocked, held and booked seats and aisles (missing numbers) end a run."""
    runs: list[list[RowSeat]] = []
    current: list[RowSeat] = []
    for seat in sorted(row, key=lambda s: s.number):
        if not (seat.available and seat.category.forms_runs):
            current = []
            continue
        if current and current[-1].number != seat.number - 1:
            current = []
        if not current:
            runs.append(current)
        current.append(seat)
    return runs


def stranded_seats(row: Sequence[RowSeat], run: Sequence[RowSeat], taken: Collection[UUID]) -> list[RowSeat]:
    """The seats of ``run`` that ``taken`` leaves with no available neighbour: a seat of the run not taken whose
    row neighbours (number - 1 and number + 1) are each missing, unavailable, or taken by the request."""
    free_after = {s.number for s in row if s.available and s.seat_id not in taken}
    return [
        s for s in run if s.seat_id not in taken and s.number - 1 not in free_after and s.number + 1 not in free_after
    ]


def every_way_strands(row: Sequence[RowSeat], run: Sequence[RowSeat], taken: Collection[UUID], count: int) -> bool:
    """Whether every way of taking ``count`` neighbouring seats of ``run`` (each window of ``count`` consecutive
    seats; the request's seats outside the run stay as they are) strands a seat of the run too."""
    in_run = {s.seat_id for s in run}
    outside = {seat_id for seat_id in taken if seat_id not in in_run}
    for start in range(len(run) - count + 1):
        window = {s.seat_id for s in run[start : start + count]}
        if not stranded_seats(row, run, outside | window):
            return False
    return True


def single_seat_gaps(seats: Iterable[RowSeat], requested: Collection[UUID]) -> list[RowSeat]:
    """The seats a request would strand when the single-seat rule refuses it, else an empty list.

    For each run the request takes seats of, the seats it strands are counted; the run refuses the request unless
    every way of taking the same number of neighbouring seats from it would strand one too. When any run refuses,
    every seat the request would strand is named (those of excused runs included), in row and seat order.
    """
    stranded: list[RowSeat] = []
    refused = False
    for row in rows_of(seats):
        for run in runs_of_row(row):
            asked = sum(1 for s in run if s.seat_id in requested)
            if not asked:
                continue
            left_alone = stranded_seats(row, run, requested)
            if not left_alone:
                continue
            stranded += left_alone
            if not every_way_strands(row, run, requested, asked):
                refused = True
    return stranded if refused else []


def companions_without_wheelchair(seats: Iterable[RowSeat], requested: Collection[UUID]) -> list[RowSeat]:
    """Companion seats of the request with no wheelchair space of the same request beside them."""
    asked = [s for s in seats if s.seat_id in requested]
    wheelchairs = {(s.row, s.number) for s in asked if s.category is SeatCategory.WHEELCHAIR}
    return [
        s
        for s in sorted(asked, key=lambda s: (s.row_index, s.number))
        if s.category is SeatCategory.COMPANION
        and (s.row, s.number - 1) not in wheelchairs
        and (s.row, s.number + 1) not in wheelchairs
    ]


@dataclass(frozen=True, slots=True)
class SeatRules:
    """The seat rules as configured (settings ``SINGLE_SEAT_RULE`` and ``COMPANION_RELEASE_MINUTES``)."""

    single_seat_rule: bool = True
    companion_release: timedelta = timedelta(minutes=60)

    def companions_open(self, starts_at: datetime, now: datetime) -> bool:
        """From ``companion_release`` before the start, anyone may take a companion seat."""
        return now >= starts_at - self.companion_release

    def check(
        self, seats: Sequence[RowSeat], requested: Collection[UUID], *, starts_at: datetime, now: datetime
    ) -> None:
        """Refuse a request for ``requested`` given the seats of the rows it touches, read before the claim.

        CompanionNeedsWheelchair names the companion seats taken without a wheelchair space beside them (until
        ``companion_release`` before ``starts_at``); SingleSeatGap names the seats the request would strand.
        A request for a seat that is not available is left to the claim, which answers ``seats_unavailable``.
        """
        requested = frozenset(requested)  # looked up once per seat of the rows below
        by_id = {s.seat_id: s for s in seats}
        if any(seat_id not in by_id or not by_id[seat_id].available for seat_id in requested):
            return
        if not self.companions_open(starts_at, now):
            lonely = companions_without_wheelchair(seats, requested)
            if lonely:
                raise CompanionNeedsWheelchair([s.label for s in lonely])
        if self.single_seat_rule:
            stranded = single_seat_gaps(seats, requested)
            if stranded:
                raise SingleSeatGap([s.label for s in stranded])
