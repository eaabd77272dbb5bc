"""Movies now playing: those with an upcoming scheduled showing."""

from __future__ import annotations

from dataclasses import dataclass

from lynriescoop.application.ports.clock import Clock
from lynriescoop.application.ports.repositories import Page
from lynriescoop.application.ports.unit_of_work import UnitOfWorkFactory
from lynriescoop.domain.movies import Movie


@dataclass(frozen=True, slots=True)
class NowPlayingQuery:
    limit: int = 20
    offset: int = 0


class ListNowPlaying:
    """Rules:

    - a movie is playing while it has at least one showing with status ``scheduled`` that starts after now
      (cancelled, completed and already started showings do not count);
    - the movie with the soonest such showing comes first; ties by id.
    """

    def __init__(self, uow_factory: UnitOfWorkFactory, clock: Clock) -> None:
        self._uow_factory = uow_factory
        self._clock = clock

    async def __call__(self, query: NowPlayingQuery) -> Page[Movie]:
        now = self._clock.now()
        async with self._uow_factory() as uow:
            return await uow.movies.now_playing(now, query.limit, query.offset)
