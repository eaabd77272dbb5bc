"""A manager searches the movie source (TMDB) for movies to import."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from lynriescoop.application.ports.movie_source import MovieSource, SourceMovieSummary
from lynriescoop.application.ports.unit_of_work import UnitOfWorkFactory


@dataclass(frozen=True, slots=True)
class SearchTmdbQuery:
    query: str
    page: int = 1


@dataclass(frozen=True, slots=True)
class TmdbHit:
    movie: SourceMovieSummary
    imported: bool
    """True when a movie with this TMDB id is already in the catalogue."""


@dataclass(frozen=True, slots=True)
class TmdbSearchResult:
    items: Sequence[TmdbHit]
    page: int
    total_pages: int


class SearchTmdb:
    """Rules:

    - the query is passed on trimmed, the page as asked (1-based);
    - every hit says whether it is already ``imported``;
    - TMDB not configured or unreachable: TmdbUnavailable (503); an error answer: TmdbError (502).
    """

    def __init__(self, uow_factory: UnitOfWorkFactory, source: MovieSource) -> None:
        self._uow_factory = uow_factory
        self._source = source

    async def __call__(self, query: SearchTmdbQuery) -> TmdbSearchResult:
        found = await self._source.search(query.query.strip(), query.page)
        async with self._uow_factory() as uow:
            imported = await uow.movies.existing_tmdb_ids([hit.tmdb_id for hit in found.items])
        return TmdbSearchResult(
            items=[TmdbHit(movie=hit, imported=hit.tmdb_id in imported) for hit in found.items],
            page=found.page,
            total_pages=found.total_pages,
        )
