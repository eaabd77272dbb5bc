"""Best available (API.md §6): the documented score, and the seat rules obeyed by every pick."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta

import pytest

from lynriescoop.domain.best_available import ROW_PITCH_M, SEAT_WIDTH_M, Wish, best_seats, score
from lynriescoop.domain.rooms import SeatCategory
from lynriescoop.domain.seat_rules import SeatRules, rows_of
from tests.unit.seat_rules.rows import labels, room

STARTS = datetime(2026, 12, 5, 20, 0, tzinfo=UTC)
NOW = STARTS - timedelta(days=1)
RULES = SeatRules()


def pick(rows: list[str], wish: Wish, rules: SeatRules = RULES) -> list[str] | None:
    seats, _ = room(*rows)
    found = best_seats(seats, wish, rules, starts_at=STARTS, now=NOW)
    return labels(found) if found is not None else None


EMPTY_ROOM = ["." * 10] * 7  # rows A..G: the ideal row is A + 6 * 2/3 = row E


CASES = [
    # (why, rows, wish, expected labels or None)
    ("two thirds back, in the middle", EMPTY_ROOM, Wish(2), ["E5", "E6"]),
    ("an odd party sits centred (ties go to lower numbers)", EMPTY_ROOM, Wish(3), ["E4", "E5", "E6"]),
    (
        "the ideal row taken: of two rows as far, the one further back",
        ["." * 10] * 4 + ["hhhhhhhhhh"] + ["." * 10] * 2,
        Wish(2),
        ["F5", "F6"],
    ),
    (
        "a seat sideways costs less than a row back or forth",
        ["." * 10] * 4 + ["....h....."] + ["." * 10] * 2,
        Wish(2),
        ["E6", "E7"],
    ),
    ("no run long enough", ["..h..h..", "h..h..h."], Wish(3), None),
    ("never across an aisle", ["..._...", "hhhhhhh"], Wish(4), None),
    ("along an aisle", ["...._...."], Wish(4), ["A1", "A2", "A3", "A4"]),
    ("never across a held seat", ["...h...."], Wish(4), ["A5", "A6", "A7", "A8"]),
    (
        "obeys the single-seat rule: the middle pairs of a run of five strand a seat",
        ["....."],
        Wish(2),
        ["A1", "A2"],
    ),
    ("a run of three taking two is allowed (every way strands one)", ["h...h"], Wish(2), ["A2", "A3"]),
    ("only premium", [".........", "ppppppppp", "........."], Wish(2, SeatCategory.PREMIUM), ["B4", "B5"]),
    ("only standard", ["ppppp", "....."], Wish(5, SeatCategory.STANDARD), ["B1", "B2", "B3", "B4", "B5"]),
    ("standard or premium, never wheelchair or companion", ["WC..CW"], Wish(3), None),
    (
        "accessible: a wheelchair space with its companion seat",
        ["WC.......CW", "..........."],
        Wish(2, accessible=True),
        ["A1", "A2"],
    ),
    ("accessible: one wheelchair space", ["WC......"], Wish(1, accessible=True), ["A1"]),
    ("accessible: two spaces and a companion", ["CWW.....", "........"], Wish(3, accessible=True), ["A1", "A2", "A3"]),
    ("accessible: never a companion seat alone", ["hC......"], Wish(1, accessible=True), None),
    ("accessible: never a companion seat without its space", ["CWh"], Wish(1, accessible=True), ["A2"]),
    ("accessible: never standard seats", ["W......"], Wish(2, accessible=True), None),
    ("a full room", ["hhhh", "hbhh"], Wish(1), None),
]


@pytest.mark.parametrize(("why", "rows", "wish", "expected"), CASES, ids=[c[0] for c in CASES])
def test_best_available(why: str, rows: list[str], wish: Wish, expected: list[str] | None) -> None:
    assert pick(rows, wish) == expected, why


def test_without_the_single_seat_rule_the_middle_wins() -> None:
    assert pick(["....."], Wish(2), SeatRules(single_seat_rule=False)) == ["A2", "A3"]


def test_the_score_is_metres_from_the_ideal_point() -> None:
    seats, _ = room(*(["." * 9] * 4))  # rows A..D, the ideal row is A + 3 * 2/3 = row C (index 2)
    rows = rows_of(seats)
    window = rows[0][0:2]  # A1, A2: middle 1.5, the row's middle is 5
    expected = math.hypot(3.5 * SEAT_WIDTH_M, 2 * ROW_PITCH_M)
    assert score(window, rows[0], 0, 3) == pytest.approx(expected)
    assert score(rows[2][3:6], rows[2], 0, 3) == 0  # C4..C6: the ideal point itself


def test_aisles_keep_their_width_in_the_middle_of_a_row() -> None:
    # Seats 1..4, an aisle (5), seats 6..9: the row's middle is the aisle; A4 and A6 are equally good.
    assert pick(["...._...."], Wish(1), SeatRules(single_seat_rule=False)) == ["A4"]
