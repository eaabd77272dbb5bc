"""Movies of the catalogue."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from uuid import UUID, uuid4


class MovieStatus(enum.StrEnum):
    ACTIVE = "active"
    ARCHIVED = "archived"


@dataclass(eq=False, slots=True)
class Movie:
    title: str
    runtime: int
    created_at: datetime
    updated_at: datetime
    tmdb_id: int | None = None
    overview: str | None = None
    poster_path: str | None = None
    backdrop_path: str | None = None
    release_date: date | None = None
    genres: list[str] = field(default_factory=list)
    vote_average: Decimal | None = None
    vote_count: int | None = None
    director: str | None = None
    cast: list[str] = field(default_factory=list)
    trailer_url: str | None = None
    status: MovieStatus = MovieStatus.ACTIVE
    id: UUID = field(default_factory=uuid4)

    def __post_init__(self) -> None:
        self.title = self.title.strip()
        if not self.title:
            raise ValueError("a movie needs a title")
        if not 1 <= self.runtime <= 1000:
            raise ValueError("runtime is between 1 and 1000 minutes")
