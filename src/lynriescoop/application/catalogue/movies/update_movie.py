"""A manager changes some fields of a movie (PATCH)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from lynriescoop.application.ports.clock import Clock
from lynriescoop.application.ports.unit_of_work import UnitOfWorkFactory
from lynriescoop.domain.errors import MovieNotFound
from lynriescoop.domain.movies import Movie


@dataclass(frozen=True, slots=True)
class UpdateMovieCommand:
    movie_id: UUID
    changes: Mapping[str, Any]
    """Field name -> new value, only for the fields the client sent; ``None`` clears a nullable field."""


class UpdateMovie:
    """Rules:

    - an unknown id is MovieNotFound (404);
    - only the sent fields change; title, runtime, genres, cast and status cannot be cleared, and the result is
      validated as a whole (InvalidMovie, 422);
    - a ``tmdb_id`` of another movie is TmdbIdTaken (409);
    - ``updated_at`` becomes now (even for an empty change set, which is a harmless touch).
    """

    def __init__(self, uow_factory: UnitOfWorkFactory, clock: Clock) -> None:
        self._uow_factory = uow_factory
        self._clock = clock

    async def __call__(self, command: UpdateMovieCommand) -> Movie:
        async with self._uow_factory() as uow:
            movie = await uow.movies.get(command.movie_id)
            if movie is None:
                raise MovieNotFound()
            changed = movie.with_changes(command.changes, self._clock.now())
            await uow.movies.update(changed)
            await uow.commit()
        return changed
