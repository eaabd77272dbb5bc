"""A picture language for rows in tests: one character per seat number, row A first.

``.`` free standard seat, ``x`` free standard seat asked for, ``p``/``P`` premium free/asked, ``h`` held or booked,
``b`` blocked, ``_`` aisle (no seat with that number), ``W``/``w`` wheelchair space free/asked, ``C``/``c``
companion seat free/asked.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from uuid import UUID

from lynriescoop.domain.rooms import SeatCategory
from lynriescoop.domain.seat_rules import RowSeat

_CATEGORY = {
    ".": SeatCategory.STANDARD,
    "x": SeatCategory.STANDARD,
    "h": SeatCategory.STANDARD,
    "b": SeatCategory.STANDARD,
    "p": SeatCategory.PREMIUM,
    "P": SeatCategory.PREMIUM,
    "W": SeatCategory.WHEELCHAIR,
    "w": SeatCategory.WHEELCHAIR,
    "C": SeatCategory.COMPANION,
    "c": SeatCategory.COMPANION,
}
_ASKED = set("xPwc")
_TAKEN = set("hb")


def room(*rows: str) -> tuple[list[RowSeat], set[UUID]]:
    """The seats of the pictured rows and the ids of the seats asked for."""
    seats: list[RowSeat] = []
    asked: set[UUID] = set()
    for index, picture in enumerate(rows):
        row = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"[index]
        for number, mark in enumerate(picture, start=1):
            if mark == "_":
                continue
            seat = RowSeat(uuid.uuid4(), row, index, number, _CATEGORY[mark], available=mark not in _TAKEN)
            seats.append(seat)
            if mark in _ASKED:
                asked.add(seat.seat_id)
    return seats, asked


def labels(seats: Sequence[RowSeat]) -> list[str]:
    return [s.label for s in seats]
