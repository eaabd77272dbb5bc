"""Rooms are built from a row description: the rules of API.md §4."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import pytest

from lynriescoop.domain.errors import InvalidRoomLayout
from lynriescoop.domain.rooms import Features, Room, RowSpec, SeatCategory, SeatSpec, build_seats

T0 = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)


def test_a_count_numbers_seats_from_one_and_the_row_category_is_their_default() -> None:
    room = Room.create(
        "Aurora",
        Features(has_3d=True),
        [RowSpec("A", 3), RowSpec("B", 2, SeatCategory.PREMIUM)],
        T0,
    )
    assert [(str(s.label), s.row_index, s.category) for s in room.seats] == [
        ("A1", 0, SeatCategory.STANDARD),
        ("A2", 0, SeatCategory.STANDARD),
        ("A3", 0, SeatCategory.STANDARD),
        ("B1", 1, SeatCategory.PREMIUM),
        ("B2", 1, SeatCategory.PREMIUM),
    ]
    assert all(s.room_id == room.id for s in room.seats)
    assert room.capacity == 5 and room.features.has_3d


def test_explicit_seats_keep_their_numbers_and_wheelchair_spaces_are_accessible() -> None:
    seats = build_seats(
        uuid.uuid4(),
        [RowSpec("AA", [SeatSpec(7, SeatCategory.WHEELCHAIR), SeatSpec(2), SeatSpec(4, SeatCategory.PREMIUM)])],
    )
    assert [(s.number, s.category, s.is_accessible) for s in seats] == [
        (2, SeatCategory.STANDARD, False),
        (4, SeatCategory.PREMIUM, False),
        (7, SeatCategory.WHEELCHAIR, True),
    ]


def test_rows_group_seats_front_row_first() -> None:
    room = Room.create("Aurora", Features(), [RowSpec("C", 2), RowSpec("A", 1)], T0)
    assert [(label, [s.number for s in seats]) for label, seats in room.rows] == [("C", [1, 2]), ("A", [1])]


@pytest.mark.parametrize(
    ("rows", "fragment"),
    [
        ([], "at least one row"),
        ([RowSpec("A", 0)], "1 to 999 seats"),
        ([RowSpec("A", -3)], "1 to 999 seats"),
        ([RowSpec("A", [])], "no seats"),
        ([RowSpec("a", 3)], "capital letters"),
        ([RowSpec("ABCD", 3)], "capital letters"),
        ([RowSpec("A1", 3)], "capital letters"),
        ([RowSpec("", 3)], "capital letters"),
        ([RowSpec("A", 3), RowSpec("A", 2)], "appears twice"),
        ([RowSpec("A", [SeatSpec(1), SeatSpec(1)])], "A1 appears twice"),
        ([RowSpec("A", [SeatSpec(0)])], "Seat numbers"),
        ([RowSpec("A", [SeatSpec(1000)])], "Seat numbers"),
        ([RowSpec("A", 999), RowSpec("B", 2)], "at most 1000"),
        ([RowSpec("A", 1000)], "1 to 999 seats"),
        ([RowSpec("A", 1001)], "at most 1000"),
    ],
)
def test_invalid_layouts_are_refused(rows: list[RowSpec], fragment: str) -> None:
    with pytest.raises(InvalidRoomLayout) as caught:
        build_seats(uuid.uuid4(), rows)
    assert fragment in caught.value.detail
    assert caught.value.code == "invalid_room_layout"


def test_exactly_one_thousand_seats_is_allowed() -> None:
    rows = [RowSpec("A", 500), RowSpec("B", 500)]
    assert len(build_seats(uuid.uuid4(), rows)) == 1000


def test_a_hostile_description_is_refused_before_any_seat_is_built() -> None:
    rows = [RowSpec(f"{chr(65 + i // 26)}{chr(65 + i % 26)}", 999) for i in range(200)] + [RowSpec("Z", -(10**6))]
    with pytest.raises(InvalidRoomLayout, match="at most 1000"):
        build_seats(uuid.uuid4(), rows)


def test_blocking_reports_a_change_only_once() -> None:
    room = Room.create("Aurora", Features(), [RowSpec("A", 2)], T0)
    seat = room.seats[0]
    assert seat.set_active(False) is True
    assert seat.set_active(False) is False
    assert room.capacity == 1


def test_missing_features() -> None:
    features = Features(has_3d=True)
    assert features.missing_for(is_3d=True, is_imax=True, is_dolby=True) == ["imax", "dolby"]
    assert features.missing_for(is_3d=True, is_imax=False, is_dolby=False) == []
