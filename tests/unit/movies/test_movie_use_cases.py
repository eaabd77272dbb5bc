"""Browse and manage the catalogue: the use cases on the in-memory adapters."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from uuid import uuid4

import pytest

from lynriescoop.application.catalogue.movies.create_movie import CreateMovie, CreateMovieCommand
from lynriescoop.application.catalogue.movies.delete_movie import DeleteMovie, DeleteMovieCommand
from lynriescoop.application.catalogue.movies.get_movie import GetMovie, GetMovieQuery
from lynriescoop.application.catalogue.movies.list_movies import ListMovies, ListMoviesQuery
from lynriescoop.application.catalogue.movies.list_now_playing import ListNowPlaying, NowPlayingQuery
from lynriescoop.application.catalogue.movies.update_movie import UpdateMovie, UpdateMovieCommand
from lynriescoop.application.ports.repositories import MovieSort
from lynriescoop.domain.bookings import Booking, BookingStatus
from lynriescoop.domain.errors import InvalidMovie, MovieHasShowings, MovieNotFound, TmdbIdTaken
from lynriescoop.domain.movies import MovieStatus
from lynriescoop.domain.showings import ShowingStatus
from lynriescoop.domain.values import BookingNumber
from tests.unit.movies.conftest import T0, Catalogue


async def test_list_filters_sorts_and_ignores_blank_filters(catalogue: Catalogue) -> None:
    catalogue.movie("Dune", genres=["Science Fiction"], release_date=date(2021, 9, 15))
    catalogue.movie("Dune: Part Two", genres=["Science Fiction"], release_date=date(2024, 2, 27))
    catalogue.movie("Paddington", genres=["Family"])
    list_movies = ListMovies(catalogue.uow)

    everything = await list_movies(ListMoviesQuery(q="  ", genre="", limit=2, offset=0))
    assert [m.title for m in everything.items] == ["Dune", "Dune: Part Two"] and everything.total == 3

    newest = await list_movies(ListMoviesQuery(q=" dune ", genre="science fiction", sort=MovieSort.RELEASE_DATE_DESC))
    assert [m.title for m in newest.items] == ["Dune: Part Two", "Dune"]


async def test_now_playing_follows_the_clock(catalogue: Catalogue) -> None:
    soon = catalogue.movie("Soon")
    later = catalogue.movie("Later")
    catalogue.movie("Never")
    catalogue.showing(soon.id, starts_in=timedelta(hours=1))
    catalogue.showing(later.id, starts_in=timedelta(days=2))
    catalogue.showing(later.id, starts_in=timedelta(hours=3), status=ShowingStatus.CANCELLED)
    now_playing = ListNowPlaying(catalogue.uow, catalogue.clock)

    assert [m.title for m in (await now_playing(NowPlayingQuery())).items] == ["Soon", "Later"]
    catalogue.clock.advance(timedelta(hours=2))
    page = await now_playing(NowPlayingQuery())
    assert [m.title for m in page.items] == ["Later"] and page.total == 1


async def test_get_unknown_movie_is_not_found(catalogue: Catalogue) -> None:
    known = catalogue.movie("Known")
    get_movie = GetMovie(catalogue.uow)
    assert (await get_movie(GetMovieQuery(known.id))).title == "Known"
    with pytest.raises(MovieNotFound):
        await get_movie(GetMovieQuery(uuid4()))


async def test_create_stores_every_field_with_timestamps(catalogue: Catalogue) -> None:
    created = await CreateMovie(catalogue.uow, catalogue.clock)(
        CreateMovieCommand(
            title=" Arrival ",
            runtime=116,
            tmdb_id=329865,
            overview="Linguist meets heptapods.",
            poster_path="/x.jpg",
            release_date=date(2016, 11, 10),
            genres=("Drama", "Science Fiction"),
            vote_average=Decimal("7.6"),
            vote_count=18000,
            director="Denis Villeneuve",
            cast=("Amy Adams",),
            trailer_url="https://www.youtube.com/watch?v=tFMo3UJ4B4g",
            status=MovieStatus.ACTIVE,
        )
    )
    stored = catalogue.store.state.movies[created.id]
    assert (stored.title, stored.tmdb_id, stored.genres, stored.cast) == (
        "Arrival",
        329865,
        ["Drama", "Science Fiction"],
        ["Amy Adams"],
    )
    assert stored.created_at == stored.updated_at == T0


async def test_create_refuses_a_taken_tmdb_id_and_invalid_fields(catalogue: Catalogue) -> None:
    catalogue.movie("First", tmdb_id=42)
    create = CreateMovie(catalogue.uow, catalogue.clock)
    with pytest.raises(TmdbIdTaken):
        await create(CreateMovieCommand(title="Second", runtime=90, tmdb_id=42))
    with pytest.raises(InvalidMovie):
        await create(CreateMovieCommand(title="Too long", runtime=5000))
    assert [m.title for m in catalogue.store.state.movies.values()] == ["First"]


async def test_update_changes_only_what_was_sent(catalogue: Catalogue) -> None:
    original = catalogue.movie("Draft", director="Someone", overview="Keep me", genres=["Drama"])
    catalogue.clock.advance(timedelta(minutes=30))
    changed = await UpdateMovie(catalogue.uow, catalogue.clock)(
        UpdateMovieCommand(original.id, {"title": "Final", "director": None})
    )
    stored = catalogue.store.state.movies[original.id]
    assert (stored.title, stored.director, stored.overview, stored.genres) == ("Final", None, "Keep me", ["Drama"])
    assert stored.updated_at == changed.updated_at == T0 + timedelta(minutes=30)
    assert stored.created_at == T0


async def test_update_errors(catalogue: Catalogue) -> None:
    catalogue.movie("Other", tmdb_id=7)
    target = catalogue.movie("Target")
    update = UpdateMovie(catalogue.uow, catalogue.clock)
    with pytest.raises(MovieNotFound):
        await update(UpdateMovieCommand(uuid4(), {"title": "x"}))
    with pytest.raises(TmdbIdTaken):
        await update(UpdateMovieCommand(target.id, {"tmdb_id": 7}))
    with pytest.raises(InvalidMovie):
        await update(UpdateMovieCommand(target.id, {"runtime": None}))
    assert catalogue.store.state.movies[target.id].tmdb_id is None


async def test_delete_without_showings(catalogue: Catalogue) -> None:
    doomed = catalogue.movie("Doomed")
    await DeleteMovie(catalogue.uow)(DeleteMovieCommand(doomed.id))
    assert doomed.id not in catalogue.store.state.movies
    with pytest.raises(MovieNotFound):
        await DeleteMovie(catalogue.uow)(DeleteMovieCommand(doomed.id))


async def test_delete_refuses_while_a_showing_is_not_cancelled(catalogue: Catalogue) -> None:
    playing = catalogue.movie("Playing")
    catalogue.showing(playing.id, status=ShowingStatus.CANCELLED)
    catalogue.showing(playing.id, starts_in=-timedelta(days=3), status=ShowingStatus.COMPLETED)
    with pytest.raises(MovieHasShowings):
        await DeleteMovie(catalogue.uow)(DeleteMovieCommand(playing.id))
    assert playing.id in catalogue.store.state.movies
    assert len(catalogue.store.state.showings) == 2


async def test_delete_takes_cancelled_showings_along_unless_they_have_bookings(catalogue: Catalogue) -> None:
    clean, booked = catalogue.movie("Clean"), catalogue.movie("Booked")
    catalogue.showing(clean.id, status=ShowingStatus.CANCELLED)
    with_booking = catalogue.showing(booked.id, status=ShowingStatus.CANCELLED)
    booking = Booking(
        booking_number=BookingNumber.generate(),
        user_id=uuid4(),
        showing_id=with_booking.id,
        currency="EUR",
        created_at=T0,
        status=BookingStatus.CANCELLED,
    )
    catalogue.store.state.bookings[booking.id] = booking

    await DeleteMovie(catalogue.uow)(DeleteMovieCommand(clean.id))
    with pytest.raises(MovieHasShowings):
        await DeleteMovie(catalogue.uow)(DeleteMovieCommand(booked.id))

    assert set(catalogue.store.state.movies) == {booked.id}
    assert [s.id for s in catalogue.store.state.showings.values()] == [with_booking.id]
