"""A manager schedules a showing of a movie in a room."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from uuid import UUID

from lynriescoop.application.catalogue.showings.views import showing_view
from lynriescoop.application.ports.clock import Clock
from lynriescoop.application.ports.read_models import ShowingView
from lynriescoop.application.ports.unit_of_work import UnitOfWorkFactory
from lynriescoop.domain.errors import MovieNotFound, RoomNotFound
from lynriescoop.domain.events import ShowingChanged, ShowingEventKind
from lynriescoop.domain.rooms import SeatCategory
from lynriescoop.domain.showings import Showing


@dataclass(frozen=True, slots=True)
class ScheduleShowingCommand:
    movie_id: UUID
    room_id: UUID
    start_time: datetime
    price: Decimal
    end_time: datetime | None = None
    prices: Mapping[SeatCategory, Decimal] = field(default_factory=dict)
    is_3d: bool = False
    is_imax: bool = False
    is_dolby: bool = False


class ScheduleShowing:
    """Rules:

    - an unknown movie is MovieNotFound, an unknown room RoomNotFound (404);
    - ``end_time`` defaults to the start plus the movie's runtime; the start is not in the past and the end is
      after the start (InvalidSchedule, 422); prices are 0..99999.99 (422); a category missing from ``prices``
      costs ``price``;
    - 3D, IMAX and Dolby showings need a room with that feature (RoomLacksFeature, 422);
    - in one room, a showing starts at least the cleaning time after the previous one ends and ends at least that
      long before the next one starts (ShowingOverlap, 409). The room row is locked first, so two managers
      scheduling into one room at once are served one after the other and the second sees the first;
    - a ShowingChanged(created) event is recorded with the showing.
    """

    def __init__(self, uow_factory: UnitOfWorkFactory, clock: Clock, cleaning: timedelta) -> None:
        self._uow_factory = uow_factory
        self._clock = clock
        self._cleaning = cleaning

    async def __call__(self, command: ScheduleShowingCommand) -> ShowingView:
        now = self._clock.now()
        async with self._uow_factory() as uow:
            movie = await uow.movies.get(command.movie_id)
            if movie is None:
                raise MovieNotFound()
            room = await uow.rooms.get_for_update(command.room_id)
            if room is None:
                raise RoomNotFound()
            showing = Showing.schedule(
                movie_id=movie.id,
                room_id=room.id,
                room_features=room.features,
                start_time=command.start_time,
                end_time=command.end_time or command.start_time + timedelta(minutes=movie.runtime),
                price=command.price,
                prices=command.prices,
                is_3d=command.is_3d,
                is_imax=command.is_imax,
                is_dolby=command.is_dolby,
                now=now,
            )
            nearby = await uow.showings.in_room_overlapping(
                room.id, showing.start_time, showing.end_time, self._cleaning
            )
            showing.ensure_no_conflict(nearby, self._cleaning)
            await uow.showings.add(showing)
            uow.record(ShowingChanged(now, showing.id, ShowingEventKind.CREATED))
            view = await showing_view(uow, showing.id, now)
            await uow.commit()
        return view
