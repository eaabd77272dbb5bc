"""Demo rooms and a week of showings for ``lynriescoop seed``."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, tzinfo
from uuid import UUID

from lynriescoop.application.catalogue.demo_rooms import DEMO_ROOMS, DEMO_SLOTS, DemoRoom
from lynriescoop.application.ports.clock import Clock
from lynriescoop.application.ports.unit_of_work import UnitOfWork, UnitOfWorkFactory
from lynriescoop.domain.errors import ShowingOverlap
from lynriescoop.domain.events import ShowingChanged, ShowingEventKind
from lynriescoop.domain.movies import Movie
from lynriescoop.domain.rooms import Room, SeatCategory
from lynriescoop.domain.showings import Showing


@dataclass(frozen=True, slots=True)
class SeedScheduleCommand:
    movie_ids: Sequence[UUID]
    days: int = 7


@dataclass(frozen=True, slots=True)
class SeededSchedule:
    rooms: int
    rooms_created: int
    showings_created: int
    days: int


class SeedSchedule:
    """Rules:

    - the three demo rooms (about 120, 180 and 250 seats; two aisles; premium back rows; wheelchair spaces with
      companion seats at the ends of the front row; one with 3D and Dolby, one IMAX) are created unless a room of
      that name exists;
    - each room gets showings at 14:00, 17:30 and 21:00 local time (the cinema's time zone) on ``days`` days from
      today, the movies taking turns; a showing ends after the movie's runtime and starts no sooner than the
      cleaning time after the previous one (later than its slot if need be); slots already past are skipped;
    - a slot whose room already has a showing starting then, or which would overlap another one, is left alone,
      so running the seed twice changes nothing; each room is locked while its week is written.
    """

    def __init__(self, uow_factory: UnitOfWorkFactory, clock: Clock, timezone: tzinfo, cleaning: timedelta) -> None:
        self._uow_factory = uow_factory
        self._clock = clock
        self._timezone = timezone
        self._cleaning = cleaning

    async def __call__(self, command: SeedScheduleCommand) -> SeededSchedule:
        now = self._clock.now()
        today = now.astimezone(self._timezone).date()
        rooms_created = showings_created = 0
        async with self._uow_factory() as uow:
            movies = [m for m in [await uow.movies.get(i) for i in command.movie_ids] if m is not None]
        for index, demo in enumerate(DEMO_ROOMS):
            async with self._uow_factory() as uow:
                room = await uow.rooms.get_by_name(demo.name)
                if room is None:
                    room = Room.create(demo.name, demo.features, demo.rows, now)
                    await uow.rooms.add(room)
                    rooms_created += 1
                await uow.rooms.get_for_update(room.id)
                for day in range(command.days):
                    for showing in self._day_plan(demo, index, room, movies, today + timedelta(days=day), now):
                        showings_created += await self._add(uow, showing, now)
                await uow.commit()
        return SeededSchedule(len(DEMO_ROOMS), rooms_created, showings_created, command.days)

    def _day_plan(
        self, demo: DemoRoom, room_index: int, room: Room, movies: Sequence[Movie], day: date, now: datetime
    ) -> list[Showing]:
        plan: list[Showing] = []
        if not movies:
            return plan
        earliest: datetime | None = None
        for slot_index, slot in enumerate(DEMO_SLOTS):
            movie = movies[(day.toordinal() * len(DEMO_SLOTS) + slot_index + room_index) % len(movies)]
            start = datetime.combine(day, slot, tzinfo=self._timezone).astimezone(UTC)
            if earliest is not None and start < earliest:
                start = _round_up(earliest)
            end = start + timedelta(minutes=movie.runtime)
            earliest = end + self._cleaning
            if start < now:
                continue
            plan.append(
                Showing.schedule(
                    movie_id=movie.id,
                    room_id=room.id,
                    room_features=room.features,
                    start_time=start,
                    end_time=end,
                    price=demo.price,
                    prices={SeatCategory.PREMIUM: demo.premium_price},
                    is_3d=slot_index in demo.is_3d_slots and room.features.has_3d,
                    is_imax=room.features.has_imax,
                    is_dolby=room.features.has_dolby,
                    now=now,
                )
            )
        return plan

    async def _add(self, uow: UnitOfWork, showing: Showing, now: datetime) -> int:
        if await uow.showings.at(showing.room_id, showing.start_time) is not None:
            return 0
        nearby = await uow.showings.in_room_overlapping(
            showing.room_id, showing.start_time, showing.end_time, self._cleaning
        )
        try:
            showing.ensure_no_conflict(nearby, self._cleaning)
        except ShowingOverlap:
            return 0  # a manager scheduled something else there: theirs stays
        await uow.showings.add(showing)
        uow.record(ShowingChanged(now, showing.id, ShowingEventKind.CREATED))
        return 1


def _round_up(moment: datetime, minutes: int = 5) -> datetime:
    """The next whole ``minutes`` at or after ``moment`` (showings start on round times)."""
    if moment.second or moment.microsecond:
        moment = moment.replace(second=0, microsecond=0) + timedelta(minutes=1)
    return moment + timedelta(minutes=-moment.minute % minutes)
