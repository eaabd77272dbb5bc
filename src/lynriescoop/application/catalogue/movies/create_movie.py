"""A manager adds a movie by hand."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from lynriescoop.application.ports.clock import Clock
from lynriescoop.application.ports.unit_of_work import UnitOfWorkFactory
from lynriescoop.domain.movies import Movie, MovieStatus


@dataclass(frozen=True, slots=True)
class CreateMovieCommand:
    title: str
    runtime: int
    tmdb_id: int | None = None
    overview: str | None = None
    poster_path: str | None = None
    backdrop_path: str | None = None
    release_date: date | None = None
    genres: Sequence[str] = field(default_factory=tuple)
    vote_average: Decimal | None = None
    vote_count: int | None = None
    director: str | None = None
    cast: Sequence[str] = field(default_factory=tuple)
    trailer_url: str | None = None
    status: MovieStatus = MovieStatus.ACTIVE


class CreateMovie:
    """Rules:

    - title (trimmed, 1..300 characters) and runtime (1..1000 minutes) are required; every field is checked by
      the movie itself (InvalidMovie, 422);
    - a ``tmdb_id`` belongs to one movie only (TmdbIdTaken, 409), even when two requests race;
    - ``created_at`` and ``updated_at`` are now.
    """

    def __init__(self, uow_factory: UnitOfWorkFactory, clock: Clock) -> None:
        self._uow_factory = uow_factory
        self._clock = clock

    async def __call__(self, command: CreateMovieCommand) -> Movie:
        now = self._clock.now()
        movie = Movie(
            title=command.title,
            runtime=command.runtime,
            tmdb_id=command.tmdb_id,
            overview=command.overview,
            poster_path=command.poster_path,
            backdrop_path=command.backdrop_path,
            release_date=command.release_date,
            genres=list(command.genres),
            vote_average=command.vote_average,
            vote_count=command.vote_count,
            director=command.director,
            cast=list(command.cast),
            trailer_url=command.trailer_url,
            status=command.status,
            created_at=now,
            updated_at=now,
        )
        async with self._uow_factory() as uow:
            await uow.movies.add(movie)
            await uow.commit()
        return movie
