"""A manager removes a movie from the catalogue."""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID

from lynriescoop.application.ports.unit_of_work import UnitOfWorkFactory
from lynriescoop.domain.errors import MovieHasShowings, MovieNotFound


@dataclass(frozen=True, slots=True)
class DeleteMovieCommand:
    movie_id: UUID


class DeleteMovie:
    """Rules:

    - an unknown id is MovieNotFound (404);
    - while any showing of the movie is not cancelled (scheduled or completed): MovieHasShowings (409);
    - its cancelled showings are deleted with it, unless one of them has (or had) a booking: bookings are
      business records, so then it is MovieHasShowings (409) too and nothing is deleted;
    - a showing scheduled concurrently wins: the database refuses the delete and the answer is 409.
    """

    def __init__(self, uow_factory: UnitOfWorkFactory) -> None:
        self._uow_factory = uow_factory

    async def __call__(self, command: DeleteMovieCommand) -> None:
        async with self._uow_factory() as uow:
            if await uow.movies.get(command.movie_id) is None:
                raise MovieNotFound()
            if await uow.movies.has_active_showings(command.movie_id):
                raise MovieHasShowings()
            await uow.movies.delete(command.movie_id)
            await uow.commit()
