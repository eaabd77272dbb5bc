"""List the catalogue: title search, genre filter, sort, pagination."""

from __future__ import annotations

from dataclasses import dataclass

from lynriescoop.application.ports.repositories import MovieFilter, MovieSort, Page
from lynriescoop.application.ports.unit_of_work import UnitOfWorkFactory
from lynriescoop.domain.movies import Movie


@dataclass(frozen=True, slots=True)
class ListMoviesQuery:
    q: str | None = None
    genre: str | None = None
    sort: MovieSort = MovieSort.TITLE
    limit: int = 20
    offset: int = 0


class ListMovies:
    """Rules:

    - ``q`` matches a case-insensitive substring of the title, literally (``%`` and ``_`` are not wildcards);
    - ``genre`` matches one genre name case-insensitively; blank ``q`` or ``genre`` filter nothing;
    - ``sort``: ``title`` (case-insensitive, code point order), ``release_date`` or ``-release_date`` (movies
      without a release date last either way); ties by id, so pages are stable.
    """

    def __init__(self, uow_factory: UnitOfWorkFactory) -> None:
        self._uow_factory = uow_factory

    async def __call__(self, query: ListMoviesQuery) -> Page[Movie]:
        filters = MovieFilter(
            q=(query.q or "").strip() or None,
            genre=(query.genre or "").strip() or None,
            sort=query.sort,
        )
        async with self._uow_factory() as uow:
            return await uow.movies.list(filters, query.limit, query.offset)
