"""Best available: the best ``count`` neighbouring seats of one row, by a documented score (docs/bookings.md).

The score of a set of neighbouring seats is its distance in metres from the room's ideal viewing point: the middle
of the row two thirds of the way from the front row to the back row. With ``Δx`` the distance in seat widths from
the middle of the seats to the middle of their row (the midpoint of the row's lowest and highest seat numbers, so
aisles keep their width) and ``Δy`` the distance in rows from the ideal row ``first + (last - first) * 2/3``::

    score = sqrt((SEAT_WIDTH_M * Δx)² + (ROW_PITCH_M * Δy)²)

Lower is better; of two equally good picks the one further back wins (nearer the screen is the worse half), then
the one with the lower seat numbers, so the answer is deterministic. Seat width and row pitch are typical cinema
dimensions: a seat sideways costs about half of a row back or forth, which is how far the view really changes.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime

from lynriescoop.domain.errors import DomainError
from lynriescoop.domain.rooms import SeatCategory
from lynriescoop.domain.seat_rules import RowSeat, SeatRules, companions_without_wheelchair, rows_of

SEAT_WIDTH_M = 0.55
ROW_PITCH_M = 0.95
IDEAL_DEPTH = 2 / 3
_ACCESSIBLE = frozenset({SeatCategory.WHEELCHAIR, SeatCategory.COMPANION})


@dataclass(frozen=True, slots=True)
class Wish:
    """What a party asks for: ``count`` neighbouring seats, of one ``category`` (standard or premium) or of any
    of the two; or, ``accessible``, wheelchair spaces with the companion seats beside them."""

    count: int
    category: SeatCategory | None = None
    accessible: bool = False


def score(window: Sequence[RowSeat], row: Sequence[RowSeat], first_row: int, last_row: int) -> float:
    """Metres from the ideal viewing point to the middle of ``window`` (seats of ``row``); see the module doc."""
    row_middle = (min(s.number for s in row) + max(s.number for s in row)) / 2
    window_middle = (window[0].number + window[-1].number) / 2
    ideal_row = first_row + (last_row - first_row) * IDEAL_DEPTH
    dx = abs(window_middle - row_middle) * SEAT_WIDTH_M
    dy = abs(window[0].row_index - ideal_row) * ROW_PITCH_M
    return math.hypot(dx, dy)


def _fits(seat: RowSeat, wish: Wish) -> bool:
    if not seat.available:
        return False
    if wish.accessible:
        return seat.category in _ACCESSIBLE
    if wish.category is not None:
        return seat.category is wish.category
    return seat.category.forms_runs


def _windows(row: Sequence[RowSeat], wish: Wish) -> Iterator[list[RowSeat]]:
    """Every ``count`` neighbouring seats of ``row`` that fit the wish."""
    for start in range(len(row) - wish.count + 1):
        window = list(row[start : start + wish.count])
        if window[-1].number - window[0].number != wish.count - 1:
            continue  # an aisle in between
        if not all(_fits(seat, wish) for seat in window):
            continue
        if wish.accessible:
            ids = {s.seat_id for s in window}
            if not any(s.category is SeatCategory.WHEELCHAIR for s in window):
                continue
            if companions_without_wheelchair(window, ids):
                continue
        yield window


def best_seats(
    seats: Sequence[RowSeat], wish: Wish, rules: SeatRules, *, starts_at: datetime, now: datetime
) -> list[RowSeat] | None:
    """The best ``wish.count`` neighbouring seats of one row among ``seats`` (every seat of the room, read in the
    claiming transaction), obeying the seat rules; None when no row has them.

    Accessible windows hold only wheelchair spaces and companion seats, at least one wheelchair space, and every
    companion seat beside a wheelchair space of the window (even after companion seats are open to anyone).
    """
    if wish.count < 1 or not seats:
        return None
    first_row = min(s.row_index for s in seats)
    last_row = max(s.row_index for s in seats)
    candidates: list[tuple[tuple[float, int, int], list[RowSeat], list[RowSeat]]] = []
    for row in rows_of(seats):
        for window in _windows(row, wish):
            key = (round(score(window, row, first_row, last_row), 9), -window[0].row_index, window[0].number)
            candidates.append((key, window, row))
    candidates.sort(key=lambda candidate: candidate[0])
    for _, window, row in candidates:
        try:
            # The rules look only at the rows a request touches: this row.
            rules.check(row, {s.seat_id for s in window}, starts_at=starts_at, now=now)
        except DomainError:
            continue
        return window
    return None
