"""The three demo rooms of ``lynriescoop seed``: real layouts with two aisles, premium back rows, and wheelchair
spaces with companion seats."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import time
from decimal import Decimal

from lynriescoop.domain.rooms import Features, RowSpec, SeatCategory, SeatSpec

_LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"


@dataclass(frozen=True, slots=True)
class DemoRoom:
    name: str
    features: Features
    rows: tuple[RowSpec, ...]
    price: Decimal
    premium_price: Decimal
    is_3d_slots: frozenset[int] = frozenset()


def _numbers(blocks: tuple[int, ...]) -> list[int]:
    """Seat numbers of a row of ``blocks`` of seats with an aisle between blocks: each aisle takes one number, so
    ``(3, 6, 3)`` numbers 1-3, 5-10 and 12-14."""
    numbers: list[int] = []
    for block in blocks:
        first = numbers[-1] + 2 if numbers else 1
        numbers += range(first, first + block)
    return numbers


def _layout(rows: int, blocks: tuple[int, ...], premium_rows: int, wheelchair_per_side: int) -> tuple[RowSpec, ...]:
    """``rows`` rows of seats in ``blocks`` separated by aisles; the last ``premium_rows`` premium; at each end of the
    front row (the easiest to reach, with step-free access) ``wheelchair_per_side`` wheelchair spaces, each with a
    companion seat beside it: ``[W][C][W][C] ... [C][W][C][W]``."""
    numbers = _numbers(blocks)
    ends = 2 * wheelchair_per_side

    def front_category(position: int) -> SeatCategory:
        from_end = min(position, len(numbers) - 1 - position)
        if from_end >= ends:
            return SeatCategory.STANDARD
        return SeatCategory.WHEELCHAIR if from_end % 2 == 0 else SeatCategory.COMPANION

    front = RowSpec("A", tuple(SeatSpec(n, front_category(i)) for i, n in enumerate(numbers)))
    rest = tuple(
        RowSpec(
            _LETTERS[i],
            tuple(SeatSpec(n) for n in numbers),
            SeatCategory.PREMIUM if i >= rows - premium_rows else SeatCategory.STANDARD,
        )
        for i in range(1, rows)
    )
    return (front, *rest)


DEMO_ROOMS: tuple[DemoRoom, ...] = (
    DemoRoom("Aurora", Features(), _layout(10, (3, 6, 3), 2, 1), Decimal("11.00"), Decimal("14.00")),
    DemoRoom(
        "Borealis",
        Features(has_3d=True, has_dolby=True),
        _layout(12, (4, 7, 4), 2, 2),
        Decimal("13.50"),
        Decimal("16.50"),
        is_3d_slots=frozenset({1}),
    ),
    DemoRoom("Cosmos IMAX", Features(has_imax=True), _layout(10, (5, 15, 5), 3, 2), Decimal("16.00"), Decimal("19.50")),
)

# Local start times of each room's showings, every day.
DEMO_SLOTS: tuple[time, ...] = (time(14, 0), time(17, 30), time(21, 0))
