"""Schemas of the movie catalogue and the TMDB import (API.md §3)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any, Self
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

from lynriescoop.application.catalogue.movies.create_movie import CreateMovieCommand
from lynriescoop.application.catalogue.movies.search_tmdb import TmdbHit, TmdbSearchResult
from lynriescoop.application.ports.repositories import Page
from lynriescoop.domain import movies as domain
from lynriescoop.domain.formats import utc
from lynriescoop.domain.movies import (
    GENRE_MAX_LENGTH,
    MAX_CAST,
    MAX_GENRES,
    NAME_MAX_LENGTH,
    OVERVIEW_MAX_LENGTH,
    PATH_MAX_LENGTH,
    REQUIRED_FIELDS,
    RUNTIME_MAX,
    RUNTIME_MIN,
    TITLE_MAX_LENGTH,
    TMDB_ID_MAX,
    MovieStatus,
    poster_url,
)

Title = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=TITLE_MAX_LENGTH)]
Runtime = Annotated[int, Field(ge=RUNTIME_MIN, le=RUNTIME_MAX, description="minutes")]
TmdbId = Annotated[int, Field(ge=1, le=TMDB_ID_MAX)]
Overview = Annotated[str, Field(max_length=OVERVIEW_MAX_LENGTH)]
ImagePath = Annotated[
    str, Field(max_length=PATH_MAX_LENGTH, description="a TMDB path like `/abc.jpg`, or an absolute URL")
]
PersonName = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=NAME_MAX_LENGTH)]
GenreName = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=GENRE_MAX_LENGTH)]
Genres = Annotated[list[GenreName], Field(max_length=MAX_GENRES)]
Cast = Annotated[list[PersonName], Field(max_length=MAX_CAST)]
VoteAverage = Annotated[Decimal, Field(ge=0, le=10, allow_inf_nan=False)]
VoteCount = Annotated[int, Field(ge=0, le=TMDB_ID_MAX)]
TrailerUrl = Annotated[
    str, StringConstraints(strip_whitespace=True, max_length=PATH_MAX_LENGTH, pattern=r"^https?://\S+$")
]


class MovieFields(BaseModel):
    """The writable fields of a movie, shared by create and patch."""

    model_config = ConfigDict(extra="forbid")

    tmdb_id: TmdbId | None = None
    overview: Overview | None = None
    poster_path: ImagePath | None = None
    backdrop_path: ImagePath | None = None
    release_date: date | None = None
    vote_average: VoteAverage | None = None
    vote_count: VoteCount | None = None
    director: PersonName | None = None
    trailer_url: TrailerUrl | None = None


class CreateMovieRequest(MovieFields):
    title: Title
    runtime: Runtime
    genres: Genres = Field(default_factory=list)
    cast: Cast = Field(default_factory=list)
    status: MovieStatus = MovieStatus.ACTIVE

    def command(self) -> CreateMovieCommand:
        return CreateMovieCommand(
            title=self.title,
            runtime=self.runtime,
            tmdb_id=self.tmdb_id,
            overview=self.overview,
            poster_path=self.poster_path,
            backdrop_path=self.backdrop_path,
            release_date=self.release_date,
            genres=tuple(self.genres),
            vote_average=self.vote_average,
            vote_count=self.vote_count,
            director=self.director,
            cast=tuple(self.cast),
            trailer_url=self.trailer_url,
            status=self.status,
        )


class UpdateMovieRequest(MovieFields):
    """Send only what changes. ``null`` clears a nullable field; title, runtime, genres, cast and status
    cannot be null (send ``[]`` to empty a list)."""

    title: Title | None = None
    runtime: Runtime | None = None
    genres: Genres | None = None
    cast: Cast | None = None
    status: MovieStatus | None = None

    @model_validator(mode="after")
    def _no_nulls(self) -> Self:
        for name in sorted(REQUIRED_FIELDS & self.model_fields_set):
            if getattr(self, name) is None:
                raise ValueError(f"{name} cannot be null")
        return self

    def changes(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in self.model_fields_set}


class ImportMovieRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    tmdb_id: TmdbId


class Movie(BaseModel):
    id: UUID
    tmdb_id: int | None
    title: str
    overview: str | None
    poster_path: str | None
    backdrop_path: str | None
    poster_url: str | None = Field(description="poster_path on TMDB_IMAGE_BASE_URL, or poster_path if absolute")
    release_date: date | None
    runtime: int = Field(description="minutes")
    genres: list[str]
    vote_average: float | None
    vote_count: int | None
    director: str | None
    cast: list[str]
    trailer_url: str | None
    status: MovieStatus
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, movie: domain.Movie, image_base_url: str) -> Movie:
        return cls(
            id=movie.id,
            tmdb_id=movie.tmdb_id,
            title=movie.title,
            overview=movie.overview,
            poster_path=movie.poster_path,
            backdrop_path=movie.backdrop_path,
            poster_url=poster_url(movie.poster_path, image_base_url),
            release_date=movie.release_date,
            runtime=movie.runtime,
            genres=list(movie.genres),
            vote_average=float(movie.vote_average) if movie.vote_average is not None else None,
            vote_count=movie.vote_count,
            director=movie.director,
            cast=list(movie.cast),
            trailer_url=movie.trailer_url,
            status=movie.status,
            created_at=utc(movie.created_at),
            updated_at=utc(movie.updated_at),
        )


class MoviePage(BaseModel):
    items: list[Movie]
    total: int
    limit: int
    offset: int

    @classmethod
    def of(cls, page: Page[domain.Movie], image_base_url: str) -> MoviePage:
        return cls(
            items=[Movie.of(m, image_base_url) for m in page.items],
            total=page.total,
            limit=page.limit,
            offset=page.offset,
        )


class TmdbSearchItem(BaseModel):
    tmdb_id: int
    title: str
    overview: str | None
    release_date: date | None
    poster_path: str | None
    vote_average: float | None
    genres: list[str] = Field(description="genre names (TMDB's genre ids resolved)")
    imported: bool = Field(description="already in the catalogue")

    @classmethod
    def of(cls, hit: TmdbHit) -> TmdbSearchItem:
        movie = hit.movie
        return cls(
            tmdb_id=movie.tmdb_id,
            title=movie.title,
            overview=movie.overview,
            release_date=movie.release_date,
            poster_path=movie.poster_path,
            vote_average=float(movie.vote_average) if movie.vote_average is not None else None,
            genres=list(movie.genres),
            imported=hit.imported,
        )


class TmdbSearchPage(BaseModel):
    items: list[TmdbSearchItem]
    page: int
    total_pages: int

    @classmethod
    def of(cls, result: TmdbSearchResult) -> TmdbSearchPage:
        return cls(
            items=[TmdbSearchItem.of(hit) for hit in result.items],
            page=result.page,
            total_pages=result.total_pages,
        )
