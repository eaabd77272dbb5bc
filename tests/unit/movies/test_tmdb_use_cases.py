"""Search and import through the MovieSource port, on the in-memory adapters."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from lynriescoop.application.catalogue.movies.import_movie import ImportMovie, ImportMovieCommand
from lynriescoop.application.catalogue.movies.search_tmdb import SearchTmdb, SearchTmdbQuery
from lynriescoop.application.ports.movie_source import SourceMovieDetails, SourceMovieSummary, SourceSearchPage
from lynriescoop.application.ports.unit_of_work import UnitOfWork
from lynriescoop.domain.errors import TmdbError, TmdbIdTaken, TmdbMovieNotFound, TmdbUnavailable
from tests.unit.movies.conftest import T0, Catalogue

INCEPTION = SourceMovieDetails(
    tmdb_id=27205,
    title="Inception",
    runtime=148,
    overview="Dreams within dreams.",
    release_date=date(2010, 7, 15),
    genres=("Action", "Science Fiction", "Adventure"),
    poster_path="/9gk7adHYeDvHkCSEqAvQNLV5Uge.jpg",
    backdrop_path="/8ZTVqvKDQ8emSGUEMjsS4yHAwrp.jpg",
    vote_average=Decimal("8.37"),
    vote_count=36512,
    director="Christopher Nolan",
    cast=("Leonardo DiCaprio", "Joseph Gordon-Levitt"),
    trailer_url="https://www.youtube.com/watch?v=YoHD9XEInc0",
)


def importer(catalogue: Catalogue) -> ImportMovie:
    return ImportMovie(catalogue.uow, catalogue.source, catalogue.clock)


async def test_search_marks_movies_already_imported(catalogue: Catalogue) -> None:
    catalogue.movie("Inception", tmdb_id=27205)
    catalogue.source.search_page = SourceSearchPage(
        items=[SourceMovieSummary(27205, "Inception"), SourceMovieSummary(64956, "Inception: The Cobol Job")],
        page=2,
        total_pages=3,
        total_results=47,
    )
    result = await SearchTmdb(catalogue.uow, catalogue.source)(SearchTmdbQuery(query="  inception ", page=2))
    assert [(hit.movie.tmdb_id, hit.imported) for hit in result.items] == [(27205, True), (64956, False)]
    assert (result.page, result.total_pages) == (2, 3)
    assert catalogue.source.searches == [("inception", 2)]


async def test_search_passes_source_failures_on(catalogue: Catalogue) -> None:
    catalogue.source.failure = TmdbUnavailable()
    with pytest.raises(TmdbUnavailable):
        await SearchTmdb(catalogue.uow, catalogue.source)(SearchTmdbQuery(query="x"))


async def test_import_creates_the_movie_with_every_detail(catalogue: Catalogue) -> None:
    catalogue.source.movies[27205] = INCEPTION
    imported = await importer(catalogue)(ImportMovieCommand(27205))
    assert imported.created
    stored = catalogue.store.state.movies[imported.movie.id]
    assert (stored.tmdb_id, stored.title, stored.runtime, stored.release_date) == (
        27205,
        "Inception",
        148,
        date(2010, 7, 15),
    )
    assert stored.genres == ["Action", "Science Fiction", "Adventure"]
    assert (stored.director, stored.cast) == ("Christopher Nolan", ["Leonardo DiCaprio", "Joseph Gordon-Levitt"])
    assert stored.trailer_url == "https://www.youtube.com/watch?v=YoHD9XEInc0"
    assert (stored.poster_path, stored.backdrop_path) == (INCEPTION.poster_path, INCEPTION.backdrop_path)
    assert (stored.vote_average, stored.vote_count) == (Decimal("8.37"), 36512)
    assert stored.created_at == stored.updated_at == T0


async def test_import_of_an_imported_movie_answers_it_without_asking_the_source(catalogue: Catalogue) -> None:
    existing = catalogue.movie("Inception (edited)", tmdb_id=27205)
    imported = await importer(catalogue)(ImportMovieCommand(27205))
    assert not imported.created
    assert (imported.movie.id, imported.movie.title) == (existing.id, "Inception (edited)")
    assert catalogue.source.detail_calls == []


async def test_import_that_loses_a_race_answers_the_winner(catalogue: Catalogue) -> None:
    """Another import of the same id commits while this one waits for TMDB: the unique id decides."""
    catalogue.source.movies[27205] = INCEPTION
    winner_ids = []

    async def competing_import() -> None:
        catalogue.source.before_details = None
        winner = await importer(catalogue)(ImportMovieCommand(27205))
        winner_ids.append(winner.movie.id)

    catalogue.source.before_details = competing_import
    loser = await importer(catalogue)(ImportMovieCommand(27205))

    assert not loser.created
    assert [loser.movie.id] == winner_ids
    assert len(catalogue.store.state.movies) == 1


async def test_import_after_the_winner_was_deleted_again_reports_the_conflict(catalogue: Catalogue) -> None:
    """The insert lost to a row that is gone by the time it is read: the conflict is all there is to say."""
    catalogue.source.movies[27205] = INCEPTION
    opened = 0

    def uow() -> UnitOfWork:
        nonlocal opened
        opened += 1
        if opened == 3:  # 1: the pre-check, 2: the refused insert, 3: reading the winner, deleted meanwhile
            catalogue.store.state.movies.clear()
        return catalogue.uow()

    async def competing_import() -> None:
        catalogue.source.before_details = None
        await importer(catalogue)(ImportMovieCommand(27205))

    catalogue.source.before_details = competing_import
    with pytest.raises(TmdbIdTaken):
        await ImportMovie(uow, catalogue.source, catalogue.clock)(ImportMovieCommand(27205))


async def test_import_refuses_a_movie_without_a_usable_runtime(catalogue: Catalogue) -> None:
    catalogue.source.movies[1] = SourceMovieDetails(tmdb_id=1, title="No runtime", runtime=None)
    catalogue.source.movies[2] = SourceMovieDetails(tmdb_id=2, title="Endless", runtime=5000)
    for tmdb_id in (1, 2):
        with pytest.raises(TmdbError):
            await importer(catalogue)(ImportMovieCommand(tmdb_id))
    assert catalogue.store.state.movies == {}


async def test_import_passes_source_errors_on(catalogue: Catalogue) -> None:
    with pytest.raises(TmdbMovieNotFound):
        await importer(catalogue)(ImportMovieCommand(404))
    catalogue.source.failure = TmdbError()
    with pytest.raises(TmdbError):
        await importer(catalogue)(ImportMovieCommand(27205))
    assert catalogue.store.state.movies == {}
