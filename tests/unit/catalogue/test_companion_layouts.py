"""Layouts with aisles and companion seats (API.md §4): a companion seat sits beside a wheelchair space."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import pytest

from lynriescoop.application.catalogue.demo_rooms import DEMO_ROOMS
from lynriescoop.application.catalogue.rooms.create_room import CreateRoom, CreateRoomCommand
from lynriescoop.application.catalogue.rooms.update_seat import UpdateSeat, UpdateSeatCommand
from lynriescoop.domain.errors import InvalidRoomLayout
from lynriescoop.domain.rooms import Features, Room, RowSpec, SeatCategory, SeatSpec, build_seats
from tests.unit.catalogue.conftest import Cinema

W, C, S = SeatCategory.WHEELCHAIR, SeatCategory.COMPANION, SeatCategory.STANDARD


def row(label: str, *seats: tuple[int, SeatCategory]) -> RowSpec:
    return RowSpec(label, tuple(SeatSpec(number, category) for number, category in seats))


def test_an_explicit_seat_list_may_skip_numbers_for_an_aisle() -> None:
    seats = build_seats(uuid.uuid4(), [row("A", (1, S), (2, S), (4, S), (5, S))])
    assert [str(s.label) for s in seats] == ["A1", "A2", "A4", "A5"]


@pytest.mark.parametrize(
    "seats",
    [
        [(1, W), (2, C), (3, S)],
        [(1, C), (2, W), (3, C)],
        [(1, S), (2, C), (3, W)],
    ],
)
def test_a_companion_seat_beside_a_wheelchair_space_is_accepted(seats: list[tuple[int, SeatCategory]]) -> None:
    built = build_seats(uuid.uuid4(), [row("A", *seats)])
    companions = [s for s in built if s.category is C]
    assert companions and not any(s.is_accessible for s in companions)


@pytest.mark.parametrize(
    ("rows", "lonely"),
    [
        ([row("A", (1, C), (2, S))], ["A1"]),
        ([row("A", (1, W), (3, C))], ["A3"]),  # across an aisle
        ([row("A", (1, W), (2, C), (3, C))], ["A3"]),  # beside a companion seat only
        ([row("A", (1, W)), row("B", (1, C))], ["B1"]),  # another row
    ],
)
def test_a_companion_seat_without_a_wheelchair_space_beside_it_is_refused(
    rows: list[RowSpec], lonely: list[str]
) -> None:
    with pytest.raises(InvalidRoomLayout) as refused:
        build_seats(uuid.uuid4(), rows)
    assert refused.value.extra == {"seat_labels": lonely}


async def test_a_seat_becomes_a_companion_seat_only_beside_a_wheelchair_space(cinema: Cinema) -> None:
    room = await CreateRoom(cinema.uow, cinema.clock)(
        CreateRoomCommand("Aurora", Features(), [row("A", (1, W), (2, S), (3, S))])
    )
    a1, a2, a3 = sorted(room.seats, key=lambda s: s.number)
    update = UpdateSeat(cinema.uow, cinema.clock)
    with pytest.raises(InvalidRoomLayout):
        await update(UpdateSeatCommand(room.id, a3.id, category=C))
    assert (await update(UpdateSeatCommand(room.id, a2.id, category=C))).category is C
    with pytest.raises(InvalidRoomLayout):  # A2 would lose its wheelchair space
        await update(UpdateSeatCommand(room.id, a1.id, category=S))
    stored = cinema.store.state.rooms[room.id]
    assert [s.category for s in sorted(stored.seats, key=lambda s: s.number)] == [W, C, S]


def test_the_demo_rooms_have_aisles_and_companion_seats() -> None:
    for demo in DEMO_ROOMS:
        room = Room.create(demo.name, demo.features, demo.rows, datetime(2026, 12, 1, tzinfo=UTC))
        for _, seats in room.rows:
            numbers = [s.number for s in seats]
            assert len(set(range(numbers[0], numbers[-1] + 1)) - set(numbers)) == 2, "two aisles in every row"
        front = room.rows[0][1]
        assert front[0].category is W and front[1].category is C
        assert front[-1].category is W and front[-2].category is C
