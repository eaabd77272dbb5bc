"""The movie source port: an outside catalogue (TMDB) to search and to import movies from."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Protocol


@dataclass(frozen=True, slots=True)
class SourceMovieSummary:
    """One search hit."""

    tmdb_id: int
    title: str
    overview: str | None = None
    release_date: date | None = None
    poster_path: str | None = None
    vote_average: Decimal | None = None
    genres: Sequence[str] = field(default_factory=tuple)
    """Genre names (the source's genre ids resolved)."""


@dataclass(frozen=True, slots=True)
class SourceSearchPage:
    items: Sequence[SourceMovieSummary]
    page: int
    total_pages: int
    total_results: int


@dataclass(frozen=True, slots=True)
class SourceMovieDetails:
    """Everything an import needs about one movie."""

    tmdb_id: int
    title: str
    runtime: int | None
    """Minutes; None when the source does not know it."""
    overview: str | None = None
    release_date: date | None = None
    genres: Sequence[str] = field(default_factory=tuple)
    poster_path: str | None = None
    backdrop_path: str | None = None
    vote_average: Decimal | None = None
    vote_count: int | None = None
    director: str | None = None
    """Every crew member with the job Director, in credit order, joined with ", "."""
    cast: Sequence[str] = field(default_factory=tuple)
    """The top-billed cast (at most ten names), in billing order."""
    trailer_url: str | None = None
    """A YouTube trailer (an official one when there is one): ``https://www.youtube.com/watch?v=KEY``."""


class MovieSource(Protocol):
    """Errors: TmdbUnavailable (not configured, unreachable, timing out), TmdbError (an error answer or an
    unreadable one), TmdbMovieNotFound (no such id, from :meth:`details`)."""

    async def search(self, query: str, page: int) -> SourceSearchPage: ...

    async def details(self, tmdb_id: int) -> SourceMovieDetails: ...
