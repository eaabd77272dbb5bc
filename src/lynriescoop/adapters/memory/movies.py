"""Movies in memory: the same answers as PostgreSQL (see tests/contract/test_movies.py)."""

from __future__ import annotations

import copy
from collections.abc import Callable, Sequence
from datetime import datetime
from uuid import UUID

from lynriescoop.adapters.memory.store import MemoryState
from lynriescoop.application.ports.repositories import MovieFilter, MovieRepository, MovieSort, Page
from lynriescoop.domain.errors import MovieHasShowings, TmdbIdTaken
from lynriescoop.domain.movies import Movie
from lynriescoop.domain.showings import ShowingStatus


def _sort_key(sort: MovieSort) -> Callable[[Movie], tuple[object, ...]]:
    if sort is MovieSort.TITLE:
        return lambda m: (m.title.lower(), m.id)
    sign = 1 if sort is MovieSort.RELEASE_DATE else -1
    # Movies without a release date come last in both directions.
    return lambda m: (
        m.release_date is None,
        sign * m.release_date.toordinal() if m.release_date else 0,
        m.id,
    )


class MemoryMovieRepository(MovieRepository):
    def __init__(self, state: MemoryState) -> None:
        self._state = state

    def _check_tmdb_id(self, movie: Movie) -> None:
        if movie.tmdb_id is None:
            return
        if any(m.tmdb_id == movie.tmdb_id and m.id != movie.id for m in self._state.movies.values()):
            raise TmdbIdTaken()

    async def add(self, movie: Movie) -> None:
        self._check_tmdb_id(movie)
        self._state.movies[movie.id] = copy.deepcopy(movie)

    async def get(self, movie_id: UUID) -> Movie | None:
        movie = self._state.movies.get(movie_id)
        return copy.deepcopy(movie) if movie else None

    async def get_by_tmdb_id(self, tmdb_id: int) -> Movie | None:
        movie = next((m for m in self._state.movies.values() if m.tmdb_id == tmdb_id), None)
        return copy.deepcopy(movie) if movie else None

    async def existing_tmdb_ids(self, tmdb_ids: Sequence[int]) -> set[int]:
        wanted = set(tmdb_ids)
        return {m.tmdb_id for m in self._state.movies.values() if m.tmdb_id is not None and m.tmdb_id in wanted}

    async def update(self, movie: Movie) -> None:
        if movie.id not in self._state.movies:
            return
        self._check_tmdb_id(movie)
        self._state.movies[movie.id] = copy.deepcopy(movie)

    async def delete(self, movie_id: UUID) -> None:
        showings = [s for s in self._state.showings.values() if s.movie_id == movie_id]
        if any(s.status is not ShowingStatus.CANCELLED for s in showings):
            raise MovieHasShowings()
        showing_ids = {s.id for s in showings}
        if any(b.showing_id in showing_ids for b in self._state.bookings.values()):
            raise MovieHasShowings("The movie has cancelled showings with bookings; they are kept as records.")
        for showing_id in showing_ids:
            del self._state.showings[showing_id]
        self._state.movies.pop(movie_id, None)

    async def list(self, filters: MovieFilter, limit: int, offset: int) -> Page[Movie]:
        q = filters.q.lower() if filters.q else None
        genre = filters.genre.lower() if filters.genre else None
        found = [
            m
            for m in self._state.movies.values()
            if (q is None or q in m.title.lower()) and (genre is None or genre in (g.lower() for g in m.genres))
        ]
        found.sort(key=_sort_key(filters.sort))
        return Page([copy.deepcopy(m) for m in found[offset : offset + limit]], len(found), limit, offset)

    async def now_playing(self, now: datetime, limit: int, offset: int) -> Page[Movie]:
        next_start: dict[UUID, datetime] = {}
        for showing in self._state.showings.values():
            if showing.status is ShowingStatus.SCHEDULED and showing.start_time > now:
                current = next_start.get(showing.movie_id)
                if current is None or showing.start_time < current:
                    next_start[showing.movie_id] = showing.start_time
        ordered = sorted(
            (movie_id for movie_id in next_start if movie_id in self._state.movies),
            key=lambda movie_id: (next_start[movie_id], movie_id),
        )
        page = [copy.deepcopy(self._state.movies[movie_id]) for movie_id in ordered[offset : offset + limit]]
        return Page(page, len(ordered), limit, offset)

    async def has_active_showings(self, movie_id: UUID) -> bool:
        return any(
            s.movie_id == movie_id and s.status is not ShowingStatus.CANCELLED for s in self._state.showings.values()
        )
