"""Anyone lists showings, filtered as API.md §5 describes."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from uuid import UUID

from lynriescoop.application.ports.clock import Clock
from lynriescoop.application.ports.read_models import ShowingView
from lynriescoop.application.ports.repositories import Page
from lynriescoop.application.ports.showings import ShowingFilter
from lynriescoop.application.ports.unit_of_work import UnitOfWorkFactory
from lynriescoop.domain.showings import ShowingStatus


@dataclass(frozen=True, slots=True)
class ListShowingsQuery:
    movie_id: UUID | None = None
    room_id: UUID | None = None
    day: date | None = None
    starts_from: datetime | None = None
    starts_before: datetime | None = None
    status: ShowingStatus | None = ShowingStatus.SCHEDULED
    include_past: bool = False
    limit: int = 20
    offset: int = 0


class ListShowings:
    """Rules:

    - ordered by start_time, then id; one query for the page (movie, room and seat counts included) plus the total;
    - ``day`` is that calendar day in the cinema's time zone: start_time from its local midnight to the next;
      together with ``starts_from``/``starts_before`` (start_time in [from, before)) the ranges intersect;
    - ``status`` is as clients see it: a scheduled showing whose end has passed is ``completed``, not
      ``scheduled``;
    - without ``include_past`` only showings that have not started yet are listed (start_time >= now), except
      when asking for ``completed`` showings, which are past by definition.
    """

    def __init__(self, uow_factory: UnitOfWorkFactory, clock: Clock, timezone: tzinfo) -> None:
        self._uow_factory = uow_factory
        self._clock = clock
        self._timezone = timezone

    async def __call__(self, query: ListShowingsQuery) -> Page[ShowingView]:
        starts_from, starts_before = query.starts_from, query.starts_before
        if query.day is not None:
            day_start, day_end = local_day_bounds(query.day, self._timezone)
            starts_from = max(starts_from, day_start) if starts_from else day_start
            starts_before = min(starts_before, day_end) if starts_before else day_end
        filters = ShowingFilter(
            movie_id=query.movie_id,
            room_id=query.room_id,
            starts_from=starts_from,
            starts_before=starts_before,
            status=query.status,
            include_past=query.include_past,
        )
        async with self._uow_factory() as uow:
            return await uow.showing_views.list_views(filters, self._clock.now(), query.limit, query.offset)


def local_day_bounds(day: date, timezone: tzinfo) -> tuple[datetime, datetime]:
    """[local midnight of ``day``, local midnight of the next day) in UTC: 23 or 25 hours on DST changes."""
    start = datetime.combine(day, time(0), tzinfo=timezone)
    end = datetime.combine(day + timedelta(days=1), time(0), tzinfo=timezone)
    return start.astimezone(UTC), end.astimezone(UTC)
