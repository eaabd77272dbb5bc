"""The movie part of ``lynriescoop seed``: the eight demo movies shipped in ``lynriescoop/data/movies.json``."""

from __future__ import annotations

from collections.abc import Sequence

from lynriescoop.application.catalogue.movies.seed_movies import SeedMoviesCommand, bundled_movie_seeds
from lynriescoop.domain.movies import Movie
from lynriescoop.entrypoints.container import Container


async def seed_movies(container: Container, lines: list[str]) -> Sequence[Movie]:
    """Add the bundled movies not yet in the catalogue (by TMDB id); returns all of them, in file order.

    Showings of the demo week are scheduled for the movies this returns.
    """
    result = await container.seed_movies()(SeedMoviesCommand(seeds=bundled_movie_seeds()))
    lines.append(f"movies: {len(result.movies)} demo movies in the catalogue ({result.created} new)")
    return result.movies
