"""One movie of the catalogue."""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID

from lynriescoop.application.ports.unit_of_work import UnitOfWorkFactory
from lynriescoop.domain.errors import MovieNotFound
from lynriescoop.domain.movies import Movie


@dataclass(frozen=True, slots=True)
class GetMovieQuery:
    movie_id: UUID


class GetMovie:
    """Rules: an unknown id is MovieNotFound."""

    def __init__(self, uow_factory: UnitOfWorkFactory) -> None:
        self._uow_factory = uow_factory

    async def __call__(self, query: GetMovieQuery) -> Movie:
        async with self._uow_factory() as uow:
            movie = await uow.movies.get(query.movie_id)
        if movie is None:
            raise MovieNotFound()
        return movie
