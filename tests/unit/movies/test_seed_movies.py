"""The bundled demo movies and the seed use case."""

from __future__ import annotations

from datetime import timedelta

import pytest

from lynriescoop.application.catalogue.movies.seed_movies import (
    SeedMovies,
    SeedMoviesCommand,
    bundled_movie_seeds,
    parse_movie_seeds,
)
from tests.unit.movies.conftest import Catalogue

EXPECTED_TMDB_IDS = [27205, 155, 157336, 129, 496243, 603, 438631, 545611]


def test_the_package_ships_eight_real_movies() -> None:
    seeds = bundled_movie_seeds()
    assert [s.tmdb_id for s in seeds] == EXPECTED_TMDB_IDS
    inception = seeds[0]
    assert (inception.title, inception.runtime, str(inception.release_date)) == ("Inception", 148, "2010-07-15")
    assert inception.poster_path == "/9gk7adHYeDvHkCSEqAvQNLV5Uge.jpg"
    for seed in seeds:
        assert seed.title and 60 <= seed.runtime <= 200, seed
        assert seed.genres and seed.overview and seed.release_date and seed.director, seed
        assert seed.poster_path is None or seed.poster_path.startswith("/"), seed


def test_a_malformed_seed_file_is_refused() -> None:
    with pytest.raises(ValueError, match="movies"):
        parse_movie_seeds('{"films": []}')
    with pytest.raises(ValueError, match="object"):
        parse_movie_seeds('{"movies": [1]}')


async def test_seeding_adds_every_movie_once(catalogue: Catalogue) -> None:
    seed = SeedMovies(catalogue.uow, catalogue.clock)
    first = await seed(SeedMoviesCommand(bundled_movie_seeds()))
    assert first.created == 8
    assert [m.tmdb_id for m in first.movies] == EXPECTED_TMDB_IDS
    assert all(m.runtime > 0 and m.genres for m in first.movies)
    snapshot = {m.id: (m.title, m.updated_at) for m in catalogue.store.state.movies.values()}

    catalogue.clock.advance(timedelta(days=1))
    second = await seed(SeedMoviesCommand(bundled_movie_seeds()))

    assert second.created == 0
    assert [m.id for m in second.movies] == [m.id for m in first.movies]
    assert {m.id: (m.title, m.updated_at) for m in catalogue.store.state.movies.values()} == snapshot


async def test_seeding_keeps_a_movie_a_manager_already_has(catalogue: Catalogue) -> None:
    edited = catalogue.movie("Inception (director's cut)", tmdb_id=27205, runtime=150)
    result = await SeedMovies(catalogue.uow, catalogue.clock)(SeedMoviesCommand(bundled_movie_seeds()))
    assert result.created == 7
    assert result.movies[0].id == edited.id and result.movies[0].title == "Inception (director's cut)"
    assert len(catalogue.store.state.movies) == 8
