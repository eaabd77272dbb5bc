"""The three demo rooms of ``lynriescoop seed``: real layouts with premium back rows and wheelchair spaces."""

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


def _layout(rows: int, seats_per_row: int, premium_rows: int, wheelchair_per_side: int) -> tuple[RowSpec, ...]:
    """``rows`` rows of ``seats_per_row``; the last ``premium_rows`` premium; wheelchair spaces at both ends of
    the front row (the easiest to reach, with step-free access)."""
    front = RowSpec(
        "A",
        tuple(
            SeatSpec(
                n,
                SeatCategory.WHEELCHAIR
                if n <= wheelchair_per_side or n > seats_per_row - wheelchair_per_side
                else SeatCategory.STANDARD,
            )
            for n in range(1, seats_per_row + 1)
        ),
    )
    rest = tuple(
        RowSpec(
            _LETTERS[i],
            seats_per_row,
            SeatCategory.PREMIUM if i >= rows - premium_rows else SeatCategory.STANDARD,
        )
        for i in range(1, rows)
    )
    return (front, *rest)


DEMO_ROOMS: tuple[DemoRoom, ...] = (
    DemoRoom("Aurora", Features(), _layout(10, 12, 2, 1), Decimal("11.00"), Decimal("14.00")),
    DemoRoom(
        "Borealis",
        Features(has_3d=True, has_dolby=True),
        _layout(12, 15, 2, 2),
        Decimal("13.50"),
        Decimal("16.50"),
        is_3d_slots=frozenset({1}),
    ),
    DemoRoom("Cosmos IMAX", Features(has_imax=True), _layout(10, 25, 3, 2), Decimal("16.00"), Decimal("19.50")),
)

# Local start times of each room's showings, every day.
DEMO_SLOTS: tuple[time, ...] = (time(14, 0), time(17, 30), time(21, 0))
