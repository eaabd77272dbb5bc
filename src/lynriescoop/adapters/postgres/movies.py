"""Movies in PostgreSQL."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any
from uuid import UUID

from sqlalchemy import ColumnElement, Row, and_, exists, func, literal, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from lynriescoop.adapters.postgres.errors import constraint_name, translate_integrity_error
from lynriescoop.adapters.postgres.tables import bookings, movies, showings
from lynriescoop.application.ports.repositories import MovieFilter, MovieRepository, MovieSort, Page
from lynriescoop.domain.errors import MovieHasShowings, TmdbIdTaken
from lynriescoop.domain.movies import Movie, MovieStatus

_KNOWN = {"uq_movies_tmdb_id": TmdbIdTaken}
# A showing or booking written concurrently still points at the movie: the RESTRICT foreign keys refuse.
_STILL_REFERENCED = {"fk_showings_movie_id_movies", "fk_bookings_showing_id_showings"}


def _to_entity(row: Row[Any]) -> Movie:
    return Movie(
        id=row.id,
        tmdb_id=row.tmdb_id,
        title=row.title,
        overview=row.overview,
        poster_path=row.poster_path,
        backdrop_path=row.backdrop_path,
        release_date=row.release_date,
        runtime=row.runtime,
        genres=list(row.genres),
        vote_average=row.vote_average,
        vote_count=row.vote_count,
        director=row.director,
        cast=list(row.cast),
        trailer_url=row.trailer_url,
        status=MovieStatus(row.status),
        created_at=row.created_at,
        updated_at=row.updated_at,
    )


def _values(movie: Movie) -> dict[str, Any]:
    return {
        "tmdb_id": movie.tmdb_id,
        "title": movie.title,
        "overview": movie.overview,
        "poster_path": movie.poster_path,
        "backdrop_path": movie.backdrop_path,
        "release_date": movie.release_date,
        "runtime": movie.runtime,
        "genres": list(movie.genres),
        "vote_average": movie.vote_average,
        "vote_count": movie.vote_count,
        "director": movie.director,
        "cast": list(movie.cast),
        "trailer_url": movie.trailer_url,
        "status": movie.status.value,
        "updated_at": movie.updated_at,
    }


def _like_pattern(text: str) -> str:
    """A LIKE pattern matching ``text`` literally anywhere (its %, _ and \\ escaped)."""
    escaped = text.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _conditions(filters: MovieFilter) -> ColumnElement[bool]:
    conditions: list[ColumnElement[bool]] = []
    if filters.q:
        conditions.append(func.lower(movies.c.title).like(_like_pattern(filters.q), escape="\\"))
    if filters.genre:
        genre = func.unnest(movies.c.genres).column_valued("genre")
        conditions.append(exists(select(literal(1)).where(func.lower(genre) == filters.genre.lower())))
    return and_(True, *conditions)


def _order(sort: MovieSort) -> list[Any]:
    if sort is MovieSort.TITLE:
        # Code point order ("C" collation): the same everywhere, whatever the database's locale.
        return [func.lower(movies.c.title).collate("C"), movies.c.id]
    if sort is MovieSort.RELEASE_DATE:
        return [movies.c.release_date.asc().nulls_last(), movies.c.id]
    return [movies.c.release_date.desc().nulls_last(), movies.c.id]


class PostgresMovieRepository(MovieRepository):
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def add(self, movie: Movie) -> None:
        try:
            async with self._session.begin_nested():
                await self._session.execute(
                    movies.insert().values(id=movie.id, created_at=movie.created_at, **_values(movie))
                )
        except IntegrityError as exc:
            raise translate_integrity_error(exc, _KNOWN) or exc from None

    async def get(self, movie_id: UUID) -> Movie | None:
        row = (await self._session.execute(select(movies).where(movies.c.id == movie_id))).first()
        return _to_entity(row) if row else None

    async def get_by_tmdb_id(self, tmdb_id: int) -> Movie | None:
        row = (await self._session.execute(select(movies).where(movies.c.tmdb_id == tmdb_id))).first()
        return _to_entity(row) if row else None

    async def existing_tmdb_ids(self, tmdb_ids: Sequence[int]) -> set[int]:
        if not tmdb_ids:
            return set()
        stmt = select(movies.c.tmdb_id).where(movies.c.tmdb_id.in_(list(tmdb_ids)))
        return set((await self._session.execute(stmt)).scalars())

    async def update(self, movie: Movie) -> None:
        try:
            async with self._session.begin_nested():
                await self._session.execute(movies.update().where(movies.c.id == movie.id).values(**_values(movie)))
        except IntegrityError as exc:
            raise translate_integrity_error(exc, _KNOWN) or exc from None

    async def delete(self, movie_id: UUID) -> None:
        of_movie = showings.c.movie_id == movie_id
        booked = exists().where(bookings.c.showing_id == showings.c.id)
        blocking = select(showings.c.status, booked.label("booked")).where(
            of_movie, (showings.c.status != "cancelled") | booked
        )
        row = (await self._session.execute(blocking.limit(1))).first()
        if row is not None:
            if row.status != "cancelled":
                raise MovieHasShowings()
            raise MovieHasShowings("The movie has cancelled showings with bookings; they are kept as records.")
        try:
            async with self._session.begin_nested():
                await self._session.execute(showings.delete().where(of_movie, showings.c.status == "cancelled"))
                await self._session.execute(movies.delete().where(movies.c.id == movie_id))
        except IntegrityError as exc:
            if constraint_name(exc) in _STILL_REFERENCED:
                raise MovieHasShowings() from None
            raise

    async def list(self, filters: MovieFilter, limit: int, offset: int) -> Page[Movie]:
        where = _conditions(filters)
        total = (await self._session.execute(select(func.count()).select_from(movies).where(where))).scalar_one()
        rows = await self._session.execute(
            select(movies).where(where).order_by(*_order(filters.sort)).limit(limit).offset(offset)
        )
        return Page([_to_entity(r) for r in rows], total, limit, offset)

    async def now_playing(self, now: datetime, limit: int, offset: int) -> Page[Movie]:
        upcoming = (
            select(showings.c.movie_id, func.min(showings.c.start_time).label("next_start"))
            .where(showings.c.status == "scheduled", showings.c.start_time > now)
            .group_by(showings.c.movie_id)
            .subquery("upcoming")
        )
        total = (await self._session.execute(select(func.count()).select_from(upcoming))).scalar_one()
        rows = await self._session.execute(
            select(movies)
            .join(upcoming, upcoming.c.movie_id == movies.c.id)
            .order_by(upcoming.c.next_start, movies.c.id)
            .limit(limit)
            .offset(offset)
        )
        return Page([_to_entity(r) for r in rows], total, limit, offset)

    async def has_active_showings(self, movie_id: UUID) -> bool:
        stmt = select(exists().where(showings.c.movie_id == movie_id, showings.c.status != "cancelled"))
        return bool((await self._session.execute(stmt)).scalar_one())
