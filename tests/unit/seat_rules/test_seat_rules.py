"""The seat rules of API.md §6, case by case (rows drawn as in tests/unit/seat_rules/rows.py)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from lynriescoop.domain.errors import CompanionNeedsWheelchair, SingleSeatGap
from lynriescoop.domain.seat_rules import SeatRules, rows_of, runs_of_row, single_seat_gaps
from tests.unit.seat_rules.rows import labels, room

STARTS = datetime(2026, 12, 5, 20, 0, tzinfo=UTC)
EARLY = STARTS - timedelta(days=1)
LATE = STARTS - timedelta(minutes=30)

SINGLE_SEAT_CASES = [
    # (why, rows, seats the request strands when refused; [] = allowed)
    ("API example: a run of five, taking the first two", ["xx..."], []),
    ("API example: a run of five, taking seats 2 and 3 strands the first", [".xx.."], ["A1"]),
    ("API example: a run of four, taking three: every way strands one", [".xxx"], []),
    ("row end on the right", ["...xx"], []),
    ("row end on the right, one seat short", ["..xx."], ["A5"]),
    ("one seat in the middle of a long run strands nobody", ["..x.."], []),
    ("the whole run", ["xxxx"], []),
    ("a run of one seat between held seats", ["hxh"], []),
    ("a run of two, taking one: every way strands the other", [".x"], []),
    ("a run of three taking two, leaving the end", ["xx."], []),
    ("a run of three taking two, leaving the start", [".xx"], []),
    ("a run of three taking both ends: every way of taking two strands one", ["x.x"], []),
    ("a run of four taking the middle two strands both ends", [".xx."], ["A1", "A4"]),
    ("an aisle ends a run: seat 3 has no neighbour across it", [".x._..."], ["A1", "A3"]),
    ("without the aisle seat 3 keeps seat 4", [".x....."], ["A1"]),
    ("an aisle ends a run: taking up to it is fine", ["..xx_..."], []),
    ("after an aisle", ["..._.xx."], ["A5", "A8"]),
    ("a blocked seat ends a run", [".x.b.."], ["A1", "A3"]),
    ("a blocked seat ends a run of three, taking two", [".xxb.."], []),
    ("a held seat ends a run", ["h.x..."], ["A2"]),
    ("next to a held seat is fine", ["hx...."], []),
    ("a held seat on both sides, run of four", ["h.xx.h"], ["A2", "A5"]),
    ("a free wheelchair space is an available neighbour", ["W.xx.."], []),
    ("a free companion seat is an available neighbour", ["C.xx.."], []),
    ("a held wheelchair space is not", ["h.xx.."], ["A2"]),
    ("premium and standard seats make one run", ["p.PP.."], []),
    ("premium seats asked in a standard run", [".PP..."], ["A1"]),
    ("several runs, each refused", [".x.h.xx."], ["A1", "A3", "A5", "A8"]),
    ("several runs, each excused", ["xx.h.xx"], []),
    ("several runs: one refused names every stranded seat", ["xx.h.xx.."], ["A3", "A5"]),
    ("several rows, one refused", ["xx...", ".x..."], ["B1"]),
    ("several rows, both fine", ["xx...", "...xx"], []),
    ("seats of a run the request does not touch are not its business", [".h.", "xx."], []),
]


@pytest.mark.parametrize(("why", "rows", "stranded"), SINGLE_SEAT_CASES, ids=[c[0] for c in SINGLE_SEAT_CASES])
def test_single_seat_rule(why: str, rows: list[str], stranded: list[str]) -> None:
    seats, asked = room(*rows)
    assert labels(single_seat_gaps(seats, asked)) == stranded, why
    rules = SeatRules()
    if stranded:
        with pytest.raises(SingleSeatGap) as refused:
            rules.check(seats, asked, starts_at=STARTS, now=EARLY)
        assert refused.value.seat_labels == stranded
        assert refused.value.extra == {"seat_labels": stranded}
    else:
        rules.check(seats, asked, starts_at=STARTS, now=EARLY)


def test_the_single_seat_rule_can_be_switched_off() -> None:
    seats, asked = room(".x...")
    SeatRules(single_seat_rule=False).check(seats, asked, starts_at=STARTS, now=EARLY)


def test_a_request_for_an_unavailable_seat_is_left_to_the_claim() -> None:
    # Asking for a held seat is answered by the claim (409 seats_unavailable), not by the rules.
    seats, asked = room(".x...")
    held = next(s for s in seats if s.label == "A3")
    asked.add(held.seat_id)
    seats = [s if s is not held else type(s)(s.seat_id, s.row, s.row_index, s.number, s.category, False) for s in seats]
    SeatRules().check(seats, asked, starts_at=STARTS, now=EARLY)


def test_runs_of_a_row() -> None:
    seats, _ = room("..h.._..Wc.b..")
    [row] = rows_of(seats)
    assert [labels(run) for run in runs_of_row(row)] == [
        ["A1", "A2"],
        ["A4", "A5"],
        ["A7", "A8"],
        ["A11"],
        ["A13", "A14"],
    ]


COMPANION_CASES = [
    # (why, rows, companion seats refused before the release time; [] = allowed)
    ("with the wheelchair space on its left", ["wc.."], []),
    ("with the wheelchair space on its right", ["cw.."], []),
    ("a wheelchair space between two companion seats", ["cwc."], []),
    ("a wheelchair space alone", ["wC.."], []),
    ("without the wheelchair space beside it", ["Wc.."], ["A2"]),
    ("two companion seats, one too far", ["wcc."], ["A3"]),
    ("a wheelchair space across an aisle is not beside it", ["w_c."], ["A3"]),
    ("a wheelchair space in another row is not beside it", ["w...", "c..."], ["B1"]),
    ("a wheelchair space two seats away is not beside it", ["w.c."], ["A3"]),
]


@pytest.mark.parametrize(("why", "rows", "refused"), COMPANION_CASES, ids=[c[0] for c in COMPANION_CASES])
def test_companion_seats_go_with_a_wheelchair_space(why: str, rows: list[str], refused: list[str]) -> None:
    seats, asked = room(*rows)
    rules = SeatRules(single_seat_rule=False)
    if refused:
        with pytest.raises(CompanionNeedsWheelchair) as error:
            rules.check(seats, asked, starts_at=STARTS, now=EARLY)
        assert error.value.seat_labels == refused, why
    else:
        rules.check(seats, asked, starts_at=STARTS, now=EARLY)
    # From COMPANION_RELEASE_MINUTES before the start, anyone may take them.
    rules.check(seats, asked, starts_at=STARTS, now=LATE)


def test_companion_release_time_is_the_setting() -> None:
    seats, asked = room("Wc..")
    rules = SeatRules(single_seat_rule=False, companion_release=timedelta(minutes=90))
    rules.check(seats, asked, starts_at=STARTS, now=STARTS - timedelta(minutes=90))
    with pytest.raises(CompanionNeedsWheelchair):
        rules.check(seats, asked, starts_at=STARTS, now=STARTS - timedelta(minutes=91))


def test_companion_seats_end_runs_of_the_single_seat_rule() -> None:
    # The companion seat is not part of the run A3..A5; taking it with its wheelchair space strands nobody.
    seats, asked = room("wc...")
    SeatRules().check(seats, asked, starts_at=STARTS, now=EARLY)
