"""A manager imports one movie from the movie source (TMDB) into the catalogue."""

from __future__ import annotations

from dataclasses import dataclass

from lynriescoop.application.ports.clock import Clock
from lynriescoop.application.ports.movie_source import MovieSource, SourceMovieDetails
from lynriescoop.application.ports.unit_of_work import UnitOfWorkFactory
from lynriescoop.domain.errors import TmdbError, TmdbIdTaken
from lynriescoop.domain.movies import RUNTIME_MAX, RUNTIME_MIN, Movie


@dataclass(frozen=True, slots=True)
class ImportMovieCommand:
    tmdb_id: int


@dataclass(frozen=True, slots=True)
class ImportedMovie:
    movie: Movie
    created: bool
    """True for a new movie (201), False when it was already in the catalogue (200)."""


class ImportMovie:
    """Rules:

    - already imported (same TMDB id): the catalogue's movie as it is, ``created`` False; TMDB is not asked;
    - otherwise the details are fetched (genres, runtime, director, top cast, trailer, release date, poster,
      backdrop, votes) and inserted, ``created`` True;
    - idempotent under races: when another import of the same id commits first, the unique TMDB id refuses
      this insert and the answer is that movie, ``created`` False;
    - TMDB has no usable runtime (1..1000 minutes): TmdbError (502), the movie can be added by hand instead;
    - TMDB errors: TmdbMovieNotFound (404), TmdbUnavailable (503), TmdbError (502).
    """

    def __init__(self, uow_factory: UnitOfWorkFactory, source: MovieSource, clock: Clock) -> None:
        self._uow_factory = uow_factory
        self._source = source
        self._clock = clock

    async def __call__(self, command: ImportMovieCommand) -> ImportedMovie:
        async with self._uow_factory() as uow:
            existing = await uow.movies.get_by_tmdb_id(command.tmdb_id)
        if existing is not None:
            return ImportedMovie(existing, created=False)
        details = await self._source.details(command.tmdb_id)
        runtime = details.runtime
        if runtime is None or not RUNTIME_MIN <= runtime <= RUNTIME_MAX:
            raise TmdbError("TMDB has no usable runtime for this movie; add it with POST /movies instead.")
        movie = self._movie(command.tmdb_id, runtime, details)
        try:
            async with self._uow_factory() as uow:
                await uow.movies.add(movie)
                await uow.commit()
            return ImportedMovie(movie, created=True)
        except TmdbIdTaken:
            async with self._uow_factory() as uow:
                winner = await uow.movies.get_by_tmdb_id(command.tmdb_id)
            if winner is None:  # imported and deleted again in between: report the conflict as it is
                raise
            return ImportedMovie(winner, created=False)

    def _movie(self, tmdb_id: int, runtime: int, details: SourceMovieDetails) -> Movie:
        now = self._clock.now()
        return Movie(
            tmdb_id=tmdb_id,
            title=details.title,
            runtime=runtime,
            overview=details.overview,
            poster_path=details.poster_path,
            backdrop_path=details.backdrop_path,
            release_date=details.release_date,
            genres=list(details.genres),
            vote_average=details.vote_average,
            vote_count=details.vote_count,
            director=details.director,
            cast=list(details.cast),
            trailer_url=details.trailer_url,
            created_at=now,
            updated_at=now,
        )
