"""Demo movies for ``lynriescoop seed``, from the data file shipped in the package (``data/movies.json``)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from importlib import resources
from typing import Any

from lynriescoop.application.ports.clock import Clock
from lynriescoop.application.ports.unit_of_work import UnitOfWorkFactory
from lynriescoop.domain.movies import Movie

BUNDLED_PACKAGE = "lynriescoop"
BUNDLED_FILE = "data/movies.json"


@dataclass(frozen=True, slots=True)
class MovieSeed:
    """Public facts about one film."""

    tmdb_id: int
    title: str
    runtime: int
    overview: str | None = None
    release_date: date | None = None
    genres: Sequence[str] = field(default_factory=tuple)
    poster_path: str | None = None
    director: str | None = None
    cast: Sequence[str] = field(default_factory=tuple)


def parse_movie_seeds(text: str) -> list[MovieSeed]:
    """``{"movies": [{tmdb_id, title, runtime, overview?, release_date?, genres?, poster_path?, director?,
    cast?}]}``; raises ValueError on anything else."""
    document: Any = json.loads(text)
    if not isinstance(document, dict) or not isinstance(document.get("movies"), list):
        raise ValueError("a movie seed file is an object with a list 'movies'")
    seeds = []
    for entry in document["movies"]:
        if not isinstance(entry, dict):
            raise ValueError("each movie seed is an object")
        released = entry.get("release_date")
        seeds.append(
            MovieSeed(
                tmdb_id=int(entry["tmdb_id"]),
                title=str(entry["title"]),
                runtime=int(entry["runtime"]),
                overview=entry.get("overview"),
                release_date=date.fromisoformat(released) if released else None,
                genres=tuple(entry.get("genres") or ()),
                poster_path=entry.get("poster_path"),
                director=entry.get("director"),
                cast=tuple(entry.get("cast") or ()),
            )
        )
    return seeds


def bundled_movie_seeds() -> list[MovieSeed]:
    """The eight demo movies shipped in the package."""
    return parse_movie_seeds(resources.files(BUNDLED_PACKAGE).joinpath(BUNDLED_FILE).read_text(encoding="utf-8"))


@dataclass(frozen=True, slots=True)
class SeedMoviesCommand:
    seeds: Sequence[MovieSeed]


@dataclass(frozen=True, slots=True)
class SeededMovies:
    movies: Sequence[Movie]
    """One movie per seed, in seed order: the one already in the catalogue or the one just added."""
    created: int


class SeedMovies:
    """Rules:

    - a seed whose TMDB id is already in the catalogue is left as it is (a manager may have edited it), so
      seeding twice changes nothing;
    - the others are added in one transaction, with the same validation as any movie.
    """

    def __init__(self, uow_factory: UnitOfWorkFactory, clock: Clock) -> None:
        self._uow_factory = uow_factory
        self._clock = clock

    async def __call__(self, command: SeedMoviesCommand) -> SeededMovies:
        now = self._clock.now()
        movies: list[Movie] = []
        created = 0
        async with self._uow_factory() as uow:
            for seed in command.seeds:
                movie = await uow.movies.get_by_tmdb_id(seed.tmdb_id)
                if movie is None:
                    movie = _movie(seed, now)
                    await uow.movies.add(movie)
                    created += 1
                movies.append(movie)
            await uow.commit()
        return SeededMovies(movies=movies, created=created)


def _movie(seed: MovieSeed, now: datetime) -> Movie:
    return Movie(
        tmdb_id=seed.tmdb_id,
        title=seed.title,
        runtime=seed.runtime,
        overview=seed.overview,
        release_date=seed.release_date,
        genres=list(seed.genres),
        poster_path=seed.poster_path,
        director=seed.director,
        cast=list(seed.cast),
        created_at=now,
        updated_at=now,
    )
