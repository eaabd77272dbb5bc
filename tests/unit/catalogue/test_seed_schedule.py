"""The demo rooms and the week of showings of ``lynriescoop seed``."""

from __future__ import annotations

import itertools
from collections import Counter
from datetime import UTC, datetime, timedelta

from lynriescoop.application.catalogue.seed_schedule import SeedSchedule, SeedScheduleCommand
from lynriescoop.domain.rooms import SeatCategory
from lynriescoop.domain.showings import ShowingStatus
from tests.unit.catalogue.conftest import BRUSSELS, CLEANING, Cinema


def seeder(cinema: Cinema) -> SeedSchedule:
    return SeedSchedule(cinema.uow, cinema.clock, BRUSSELS, CLEANING)


async def test_three_realistic_rooms_and_a_week_without_overlaps(cinema: Cinema) -> None:
    cinema.clock.current = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)  # 09:00 in Brussels: no slot has passed
    movies = [cinema.add_movie(f"Movie {i}", runtime=90 + 25 * i) for i in range(8)]
    result = await seeder(cinema)(SeedScheduleCommand([m.id for m in movies]))
    state = cinema.store.state
    rooms = sorted(state.rooms.values(), key=lambda r: r.capacity)
    assert [(r.name, r.capacity) for r in rooms] == [("Aurora", 120), ("Borealis", 180), ("Cosmos IMAX", 250)]
    assert [(r.features.has_3d, r.features.has_imax, r.features.has_dolby) for r in rooms] == [
        (False, False, False),
        (True, False, True),
        (False, True, False),
    ]
    for room in rooms:
        categories = {label: Counter(s.category for s in seats) for label, seats in room.rows}
        front, *_, back = room.rows
        assert front[1][0].category is SeatCategory.WHEELCHAIR and front[1][-1].category is SeatCategory.WHEELCHAIR
        assert all(s.category is SeatCategory.PREMIUM for s in back[1])
        assert categories[front[0]][SeatCategory.WHEELCHAIR] >= 2
    assert result.rooms_created == 3
    assert result.showings_created == len(state.showings) == 3 * 3 * 7
    by_room: dict[object, list] = {}
    for showing in state.showings.values():
        by_room.setdefault(showing.room_id, []).append(showing)
        movie = state.movies[showing.movie_id]
        assert showing.end_time - showing.start_time == timedelta(minutes=movie.runtime)
        assert showing.status is ShowingStatus.SCHEDULED and showing.start_time >= cinema.clock.now()
        assert showing.price_for(SeatCategory.PREMIUM) > showing.price
    for showings in by_room.values():
        showings.sort(key=lambda s: s.start_time)
        for before, after in itertools.pairwise(showings):
            assert after.start_time >= before.end_time + CLEANING
    local_starts = Counter(s.start_time.astimezone(BRUSSELS).strftime("%H:%M") for s in state.showings.values())
    assert local_starts["14:00"] == 21 and local_starts["21:00"] > 0
    assert len({s.movie_id for s in state.showings.values()}) == 8
    imax = next(r for r in rooms if r.features.has_imax)
    assert all(s.is_imax for s in by_room[imax.id])


async def test_running_it_twice_changes_nothing(cinema: Cinema) -> None:
    cinema.clock.current = datetime(2026, 11, 23, 15, 0, tzinfo=UTC)  # 16:00 in Brussels: 14:00 has passed
    movies = [cinema.add_movie(f"Movie {i}", runtime=100) for i in range(3)]
    seed = seeder(cinema)
    first = await seed(SeedScheduleCommand([m.id for m in movies]))
    before = {s.id: (s.room_id, s.start_time, s.movie_id) for s in cinema.store.state.showings.values()}
    assert first.showings_created == 3 * (3 * 7 - 1)
    again = await seed(SeedScheduleCommand([m.id for m in movies]))
    assert (again.rooms_created, again.showings_created) == (0, 0)
    assert {s.id: (s.room_id, s.start_time, s.movie_id) for s in cinema.store.state.showings.values()} == before
    assert len(cinema.store.state.rooms) == 3


async def test_long_movies_push_later_slots_back(cinema: Cinema) -> None:
    cinema.clock.current = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)
    epic = cinema.add_movie("Epic", runtime=230)
    await SeedSchedule(cinema.uow, cinema.clock, BRUSSELS, CLEANING)(SeedScheduleCommand([epic.id], days=1))
    showings = sorted(cinema.store.state.showings.values(), key=lambda s: (str(s.room_id), s.start_time))
    assert len(showings) == 9
    aurora = next(r.id for r in cinema.store.state.rooms.values() if r.name == "Aurora")
    starts = [s.start_time.astimezone(BRUSSELS).strftime("%H:%M") for s in showings if s.room_id == aurora]
    assert starts == ["14:00", "18:05", "22:10"]


async def test_without_movies_only_rooms(cinema: Cinema) -> None:
    result = await seeder(cinema)(SeedScheduleCommand([]))
    assert (result.rooms_created, result.showings_created) == (3, 0)
