"""The TMDB adapter against a fake TMDB over real HTTP on 127.0.0.1 (recorded-shape JSON, never the internet)."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Callable, Iterator
from datetime import date
from decimal import Decimal

import httpx
import pytest

from lynriescoop.adapters.tmdb.http import make_tmdb_http_client
from lynriescoop.adapters.tmdb.source import TmdbMovieSource
from lynriescoop.domain.errors import TmdbError, TmdbMovieNotFound, TmdbUnavailable
from tests.fakes.tmdb import API_KEY, READ_TOKEN, FakeTmdb
from tests.support import free_port

SourceFactory = Callable[..., TmdbMovieSource]


@pytest.fixture
def fake_tmdb() -> Iterator[FakeTmdb]:
    with FakeTmdb() as fake:
        yield fake


@pytest.fixture
async def make_source(fake_tmdb: FakeTmdb) -> AsyncIterator[SourceFactory]:
    clients: list[httpx.AsyncClient] = []

    def build(
        *,
        base_url: str | None = None,
        api_key: str | None = API_KEY,
        read_token: str | None = None,
        timeout: float = 5.0,
        retries: int = 2,
    ) -> TmdbMovieSource:
        client = make_tmdb_http_client(base_url or fake_tmdb.url, timeout)
        clients.append(client)
        return TmdbMovieSource(client, api_key=api_key, read_token=read_token, retries=retries, backoff_seconds=0)

    yield build
    for client in clients:
        await client.aclose()


async def test_search_maps_hits_and_resolves_genre_names(fake_tmdb: FakeTmdb, make_source: SourceFactory) -> None:
    source = make_source()
    page = await source.search("Inception", 2)

    assert (page.page, page.total_pages, page.total_results) == (2, 3, 47)
    assert [hit.tmdb_id for hit in page.items] == [27205, 613092, 64956]
    inception, documentary, comic = page.items
    assert inception.title == "Inception"
    assert inception.genres == ("Action", "Science Fiction", "Adventure")
    assert inception.release_date == date(2010, 7, 15)
    assert inception.poster_path == "/9gk7adHYeDvHkCSEqAvQNLV5Uge.jpg"
    assert inception.vote_average == Decimal("8.37")
    assert inception.overview is not None and inception.overview.startswith("Cobb, a skilled thief")
    # Blank strings from TMDB become "unknown"; a genre id TMDB does not list is left out.
    assert (documentary.overview, documentary.release_date, documentary.poster_path) == (None, None, None)
    assert documentary.genres == ("Documentary",)
    assert comic.genres == ("Action",)

    (call,) = fake_tmdb.calls("/3/search/movie")
    assert call.params["query"] == "Inception" and call.params["page"] == "2"
    assert call.params["include_adult"] == "false"


async def test_genre_list_is_fetched_once_per_instance(fake_tmdb: FakeTmdb, make_source: SourceFactory) -> None:
    source = make_source()
    await source.search("inception", 1)
    await source.search("nothing at all", 1)
    assert len(fake_tmdb.calls("/3/search/movie")) == 2
    assert len(fake_tmdb.calls("/3/genre/movie/list")) == 1


async def test_details_map_director_top_cast_and_official_trailer(
    fake_tmdb: FakeTmdb, make_source: SourceFactory
) -> None:
    movie = await make_source().details(27205)

    assert (movie.tmdb_id, movie.title, movie.runtime) == (27205, "Inception", 148)
    assert movie.release_date == date(2010, 7, 15)
    assert movie.genres == ("Action", "Science Fiction", "Adventure")
    assert movie.poster_path == "/9gk7adHYeDvHkCSEqAvQNLV5Uge.jpg"
    assert movie.backdrop_path == "/8ZTVqvKDQ8emSGUEMjsS4yHAwrp.jpg"
    assert (movie.vote_average, movie.vote_count) == (Decimal("8.37"), 36512)
    # Only the crew credit with the job Director counts (Nolan also has a Screenplay credit).
    assert movie.director == "Christopher Nolan"
    # Ten names in billing ("order") order, not in list order.
    assert movie.cast == (
        "Leonardo DiCaprio",
        "Joseph Gordon-Levitt",
        "Elliot Page",
        "Tom Hardy",
        "Ken Watanabe",
        "Dileep Rao",
        "Cillian Murphy",
        "Tom Berenger",
        "Marion Cotillard",
        "Pete Postlethwaite",
    )
    # The official YouTube trailer: not the teaser, not the fan-made one, not the Vimeo one.
    assert movie.trailer_url == "https://www.youtube.com/watch?v=YoHD9XEInc0"
    (call,) = fake_tmdb.calls("/3/movie/27205")
    assert call.params["append_to_response"] == "credits,videos"


async def test_details_with_two_directors_and_no_official_trailer(make_source: SourceFactory) -> None:
    movie = await make_source().details(545611)
    assert movie.director == "Daniel Kwan, Daniel Scheinert"
    assert movie.cast == ("Michelle Yeoh", "Ke Huy Quan")
    assert movie.trailer_url == "https://www.youtube.com/watch?v=wxN1T1uxQ2g"


async def test_details_of_a_sparse_movie_leave_unknowns_empty(make_source: SourceFactory) -> None:
    movie = await make_source().details(999001)
    assert movie.title == "Court métrage"
    assert (movie.runtime, movie.release_date, movie.director, movie.trailer_url) == (None, None, None, None)
    assert (movie.genres, movie.cast, movie.overview, movie.poster_path) == ((), (), None, None)


async def test_api_key_goes_in_the_query(fake_tmdb: FakeTmdb, make_source: SourceFactory) -> None:
    await make_source(api_key=API_KEY).details(27205)
    (call,) = fake_tmdb.calls("/3/movie/27205")
    assert call.params["api_key"] == API_KEY
    assert "authorization" not in call.headers


async def test_read_token_goes_in_a_bearer_header_and_wins_over_the_key(
    fake_tmdb: FakeTmdb, make_source: SourceFactory
) -> None:
    movie = await make_source(api_key="some-other-key", read_token=READ_TOKEN).details(27205)
    assert movie.title == "Inception"
    (call,) = fake_tmdb.calls("/3/movie/27205")
    assert call.headers["authorization"] == f"Bearer {READ_TOKEN}"
    assert "api_key" not in call.params


async def test_no_key_is_unavailable_without_calling_tmdb(fake_tmdb: FakeTmdb, make_source: SourceFactory) -> None:
    source = make_source(api_key=None, read_token=None)
    with pytest.raises(TmdbUnavailable):
        await source.search("inception", 1)
    with pytest.raises(TmdbUnavailable):
        await source.details(27205)
    assert fake_tmdb.requests == []


async def test_server_errors_are_retried_then_succeed(fake_tmdb: FakeTmdb, make_source: SourceFactory) -> None:
    fake_tmdb.fail_next("/3/movie/27205", 500, 503)
    movie = await make_source(retries=2).details(27205)
    assert movie.title == "Inception"
    assert len(fake_tmdb.calls("/3/movie/27205")) == 3


async def test_rate_limit_is_retried(fake_tmdb: FakeTmdb, make_source: SourceFactory) -> None:
    fake_tmdb.fail_next("/3/genre/movie/list", 429)
    page = await make_source().search("inception", 1)
    assert page.items[0].genres == ("Action", "Science Fiction", "Adventure")
    assert len(fake_tmdb.calls("/3/genre/movie/list")) == 2


async def test_server_errors_after_every_retry_are_tmdb_error(fake_tmdb: FakeTmdb, make_source: SourceFactory) -> None:
    fake_tmdb.fail_next("/3/movie/27205", 500, 502, 503)
    with pytest.raises(TmdbError):
        await make_source(retries=2).details(27205)
    assert len(fake_tmdb.calls("/3/movie/27205")) == 3


async def test_a_wrong_key_is_tmdb_error_and_not_retried(fake_tmdb: FakeTmdb, make_source: SourceFactory) -> None:
    with pytest.raises(TmdbError):
        await make_source(api_key="wrong").details(27205)
    assert len(fake_tmdb.calls("/3/movie/27205")) == 1


async def test_unknown_movie_is_tmdb_movie_not_found(fake_tmdb: FakeTmdb, make_source: SourceFactory) -> None:
    with pytest.raises(TmdbMovieNotFound):
        await make_source().details(424242)
    assert len(fake_tmdb.calls("/3/movie/424242")) == 1


async def test_nobody_listening_is_unavailable_after_retries(make_source: SourceFactory) -> None:
    source = make_source(base_url=f"http://127.0.0.1:{free_port()}/3", retries=2)
    with pytest.raises(TmdbUnavailable):
        await source.details(27205)
    with pytest.raises(TmdbUnavailable):
        await source.search("inception", 1)


async def test_a_slow_tmdb_times_out_as_unavailable(fake_tmdb: FakeTmdb, make_source: SourceFactory) -> None:
    fake_tmdb.slow("/3/movie/27205", 1.0)
    with pytest.raises(TmdbUnavailable):
        await make_source(timeout=0.2, retries=1).details(27205)
    assert len(fake_tmdb.calls("/3/movie/27205")) == 2


async def test_the_api_key_never_appears_in_the_logs(
    fake_tmdb: FakeTmdb, make_source: SourceFactory, caplog: pytest.LogCaptureFixture
) -> None:
    """Issue 13 item 7: httpx logs each request's URL at INFO, and the v3 key travels in the query string."""
    caplog.set_level(logging.DEBUG)  # every logger, every level: httpx, httpcore, ours
    source = make_source(api_key=API_KEY)
    await source.search("Inception", 1)
    await source.details(27205)
    fake_tmdb.fail_next("/3/movie/27205", 500)
    await source.details(27205)  # a retried failure logs a warning too
    with pytest.raises(TmdbError):
        await make_source(api_key=API_KEY + "-wrong").details(27205)
    assert [call.params["api_key"] for call in fake_tmdb.requests][:1] == [API_KEY]  # it was sent
    lines = [record.getMessage() for record in caplog.records]
    assert any("HTTP Request" in line and "api_key=***" in line for line in lines), lines  # the line stays
    assert API_KEY not in caplog.text and all(API_KEY not in line for line in lines)
