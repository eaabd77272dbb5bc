"""The movie repository behaves the same in memory and in PostgreSQL."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from uuid import UUID

import pytest

from lynriescoop.application.ports.repositories import MovieFilter, MovieSort
from lynriescoop.application.ports.showings import ShowingFilter
from lynriescoop.application.ports.unit_of_work import UnitOfWorkFactory
from lynriescoop.domain.bookings import BookingStatus
from lynriescoop.domain.errors import MovieHasShowings, TmdbIdTaken
from lynriescoop.domain.movies import Movie, MovieStatus
from lynriescoop.domain.showings import Showing, ShowingStatus
from tests.contract.catalogue_data import add_booking, make_room

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)


def movie(title: str = "Arrival", **fields: object) -> Movie:
    values: dict[str, object] = {"runtime": 116, "created_at": NOW, "updated_at": NOW}
    values.update(fields)
    return Movie(title=title, **values)  # type: ignore[arg-type]


async def add_movies(uow_factory: UnitOfWorkFactory, *movies: Movie) -> None:
    async with uow_factory() as uow:
        for m in movies:
            await uow.movies.add(m)
        await uow.commit()


async def add_showing(
    uow_factory: UnitOfWorkFactory,
    movie_id: UUID,
    *,
    starts_in: timedelta = timedelta(days=1),
    status: ShowingStatus = ShowingStatus.SCHEDULED,
    booked: bool = False,
) -> UUID:
    """A showing of the movie in a room of its own, through the ports; ``booked`` adds a (cancelled) booking."""
    room = make_room(f"Room {uuid.uuid4().hex[:8]}")
    start = NOW + starts_in
    showing = Showing(
        movie_id=movie_id,
        room_id=room.id,
        start_time=start,
        end_time=start + timedelta(hours=2),
        price=Decimal("10.00"),
        created_at=NOW,
        updated_at=NOW,
        status=status,
    )
    async with uow_factory() as uow:
        await uow.rooms.add(room)
        await uow.showings.add(showing)
        await uow.commit()
    if booked:
        await add_booking(uow_factory, showing, [room.seats[0].id], BookingStatus.CANCELLED)
    return showing.id


async def titles(uow_factory: UnitOfWorkFactory, filters: MovieFilter, limit: int = 100, offset: int = 0) -> list[str]:
    async with uow_factory() as uow:
        page = await uow.movies.list(filters, limit, offset)
    return [m.title for m in page.items]


async def test_add_then_get_round_trips_every_field(uow_factory: UnitOfWorkFactory) -> None:
    full = movie(
        "Inception",
        tmdb_id=27205,
        overview="Dreams within dreams.",
        poster_path="/poster.jpg",
        backdrop_path="/backdrop.jpg",
        release_date=date(2010, 7, 15),
        genres=["Action", "Science Fiction"],
        vote_average=Decimal("8.37"),
        vote_count=36512,
        director="Christopher Nolan",
        cast=["Leonardo DiCaprio", "Elliot Page"],
        trailer_url="https://www.youtube.com/watch?v=YoHD9XEInc0",
        status=MovieStatus.ARCHIVED,
        updated_at=NOW + timedelta(minutes=5),
    )
    await add_movies(uow_factory, full)
    async with uow_factory() as uow:
        found = await uow.movies.get(full.id)
        by_tmdb = await uow.movies.get_by_tmdb_id(27205)
        missing = await uow.movies.get(uuid.uuid4())
    assert found is not None and by_tmdb is not None and missing is None
    assert by_tmdb.id == full.id
    for name in (
        "tmdb_id",
        "title",
        "overview",
        "poster_path",
        "backdrop_path",
        "release_date",
        "runtime",
        "genres",
        "vote_average",
        "vote_count",
        "director",
        "cast",
        "trailer_url",
        "status",
        "created_at",
        "updated_at",
    ):
        assert getattr(found, name) == getattr(full, name), name


async def test_tmdb_id_is_unique_on_add_and_update(uow_factory: UnitOfWorkFactory) -> None:
    first, second = movie("One", tmdb_id=1), movie("Two", tmdb_id=2)
    await add_movies(uow_factory, first, second, movie("No id"), movie("No id either"))
    async with uow_factory() as uow:
        with pytest.raises(TmdbIdTaken):
            await uow.movies.add(movie("Copy", tmdb_id=1))
    async with uow_factory() as uow:
        second.tmdb_id = 1
        with pytest.raises(TmdbIdTaken):
            await uow.movies.update(second)
    async with uow_factory() as uow:
        stored = await uow.movies.get(second.id)
        assert stored is not None and stored.tmdb_id == 2
        assert await uow.movies.existing_tmdb_ids([1, 2, 3]) == {1, 2}
        assert await uow.movies.existing_tmdb_ids([]) == set()


async def test_update_stores_every_change(uow_factory: UnitOfWorkFactory) -> None:
    original = movie("Draft", genres=["Drama"], director="Someone")
    await add_movies(uow_factory, original)
    changed = original.with_changes(
        {"title": "Final", "director": None, "genres": ["Comedy", "Romance"], "tmdb_id": 77}, NOW + timedelta(hours=1)
    )
    async with uow_factory() as uow:
        await uow.movies.update(changed)
        await uow.commit()
    async with uow_factory() as uow:
        stored = await uow.movies.get(original.id)
    assert stored is not None
    assert (stored.title, stored.director, stored.genres, stored.tmdb_id) == ("Final", None, ["Comedy", "Romance"], 77)
    assert stored.updated_at == NOW + timedelta(hours=1) and stored.created_at == NOW


async def test_list_searches_titles_case_insensitively_and_literally(uow_factory: UnitOfWorkFactory) -> None:
    await add_movies(
        uow_factory,
        movie("The Matrix"),
        movie("MATRIX Reloaded"),
        movie("100% Wolf"),
        movie("1000 Wolves"),
        movie("Snake_Eyes"),
        movie("SnakeXEyes"),
    )
    assert await titles(uow_factory, MovieFilter(q="matrix")) == ["MATRIX Reloaded", "The Matrix"]
    assert await titles(uow_factory, MovieFilter(q="100%")) == ["100% Wolf"]
    assert await titles(uow_factory, MovieFilter(q="e_e")) == ["Snake_Eyes"]
    assert await titles(uow_factory, MovieFilter(q="nothing")) == []


async def test_list_filters_one_genre_case_insensitively(uow_factory: UnitOfWorkFactory) -> None:
    await add_movies(
        uow_factory,
        movie("Alien", genres=["Horror", "Science Fiction"]),
        movie("Up", genres=["Animation", "Family"]),
        movie("Heat", genres=["Crime"]),
    )
    assert await titles(uow_factory, MovieFilter(genre="science fiction")) == ["Alien"]
    assert await titles(uow_factory, MovieFilter(genre="FAMILY", q="u")) == ["Up"]
    assert await titles(uow_factory, MovieFilter(genre="Science")) == []


async def test_list_sorts_by_title_then_id(uow_factory: UnitOfWorkFactory) -> None:
    twins = [movie("Twin", id=UUID(int=2)), movie("twin", id=UUID(int=1))]
    await add_movies(uow_factory, movie("banana"), movie("Apple"), *twins, movie("cherry"))
    async with uow_factory() as uow:
        page = await uow.movies.list(MovieFilter(sort=MovieSort.TITLE), 100, 0)
    assert [(m.title, m.id.int if m.title.lower() == "twin" else 0) for m in page.items] == [
        ("Apple", 0),
        ("banana", 0),
        ("cherry", 0),
        ("twin", 1),
        ("Twin", 2),
    ]


async def test_list_sorts_by_release_date_with_unknown_dates_last(uow_factory: UnitOfWorkFactory) -> None:
    await add_movies(
        uow_factory,
        movie("Undated B", id=UUID(int=20)),
        movie("Old", release_date=date(1999, 3, 31)),
        movie("New", release_date=date(2022, 3, 24)),
        movie("Undated A", id=UUID(int=10)),
        movie("Mid", release_date=date(2010, 7, 15)),
    )
    assert await titles(uow_factory, MovieFilter(sort=MovieSort.RELEASE_DATE)) == [
        "Old",
        "Mid",
        "New",
        "Undated A",
        "Undated B",
    ]
    assert await titles(uow_factory, MovieFilter(sort=MovieSort.RELEASE_DATE_DESC)) == [
        "New",
        "Mid",
        "Old",
        "Undated A",
        "Undated B",
    ]


async def test_list_pages_with_a_total(uow_factory: UnitOfWorkFactory) -> None:
    await add_movies(uow_factory, *(movie(f"Movie {i:02d}") for i in range(7)))
    async with uow_factory() as uow:
        page = await uow.movies.list(MovieFilter(), 3, 3)
        beyond = await uow.movies.list(MovieFilter(), 3, 30)
    assert [m.title for m in page.items] == ["Movie 03", "Movie 04", "Movie 05"]
    assert (page.total, page.limit, page.offset) == (7, 3, 3)
    assert (list(beyond.items), beyond.total) == ([], 7)


async def test_now_playing_lists_movies_with_an_upcoming_scheduled_showing(uow_factory: UnitOfWorkFactory) -> None:
    later, sooner, only_cancelled, only_past, none = (
        movie(n) for n in ("Later", "Sooner", "Cancelled", "Past", "None")
    )
    await add_movies(uow_factory, later, sooner, only_cancelled, only_past, none)
    await add_showing(uow_factory, later.id, starts_in=timedelta(days=3))
    await add_showing(uow_factory, later.id, starts_in=timedelta(days=5))
    await add_showing(uow_factory, later.id, starts_in=-timedelta(hours=1))  # started already
    await add_showing(uow_factory, sooner.id, starts_in=timedelta(days=4))
    await add_showing(uow_factory, sooner.id, starts_in=timedelta(hours=2))
    await add_showing(uow_factory, only_cancelled.id, starts_in=timedelta(days=1), status=ShowingStatus.CANCELLED)
    await add_showing(uow_factory, only_past.id, starts_in=-timedelta(days=2))
    async with uow_factory() as uow:
        page = await uow.movies.now_playing(NOW, 20, 0)
        second = await uow.movies.now_playing(NOW, 1, 1)
        tomorrow = await uow.movies.now_playing(NOW + timedelta(days=3, minutes=1), 20, 0)
    assert [m.title for m in page.items] == ["Sooner", "Later"]
    assert page.total == 2
    assert [m.title for m in second.items] == ["Later"] and second.total == 2
    assert [m.title for m in tomorrow.items] == ["Sooner", "Later"]  # Sooner's day-4 showing, Later's day-5


async def test_has_active_showings_counts_everything_but_cancelled(uow_factory: UnitOfWorkFactory) -> None:
    cancelled, scheduled, completed, bare = movie("C"), movie("S"), movie("P"), movie("B")
    await add_movies(uow_factory, cancelled, scheduled, completed, bare)
    await add_showing(uow_factory, cancelled.id, status=ShowingStatus.CANCELLED)
    await add_showing(uow_factory, scheduled.id)
    await add_showing(uow_factory, completed.id, starts_in=-timedelta(days=3), status=ShowingStatus.COMPLETED)
    async with uow_factory() as uow:
        assert not await uow.movies.has_active_showings(cancelled.id)
        assert await uow.movies.has_active_showings(scheduled.id)
        assert await uow.movies.has_active_showings(completed.id)
        assert not await uow.movies.has_active_showings(bare.id)


async def _showing_count(uow_factory: UnitOfWorkFactory, movie_id: UUID) -> int:
    every_showing = ShowingFilter(movie_id=movie_id, status=None, include_past=True)
    async with uow_factory() as uow:
        return (await uow.showings.list(every_showing, NOW, 100, 0)).total


async def test_delete_removes_the_movie_and_its_cancelled_showings(uow_factory: UnitOfWorkFactory) -> None:
    doomed, bystander = movie("Doomed"), movie("Bystander")
    await add_movies(uow_factory, doomed, bystander)
    await add_showing(uow_factory, doomed.id, status=ShowingStatus.CANCELLED)
    await add_showing(uow_factory, doomed.id, starts_in=timedelta(days=2), status=ShowingStatus.CANCELLED)
    await add_showing(uow_factory, bystander.id)
    async with uow_factory() as uow:
        await uow.movies.delete(doomed.id)
        await uow.commit()
    async with uow_factory() as uow:
        assert await uow.movies.get(doomed.id) is None
        assert await uow.movies.get(bystander.id) is not None
    assert await _showing_count(uow_factory, doomed.id) == 0
    assert await _showing_count(uow_factory, bystander.id) == 1


async def test_delete_refuses_while_a_showing_is_not_cancelled(uow_factory: UnitOfWorkFactory) -> None:
    kept = movie("Kept")
    await add_movies(uow_factory, kept)
    await add_showing(uow_factory, kept.id, status=ShowingStatus.CANCELLED)
    await add_showing(uow_factory, kept.id, starts_in=timedelta(days=2))
    async with uow_factory() as uow:
        with pytest.raises(MovieHasShowings):
            await uow.movies.delete(kept.id)
    async with uow_factory() as uow:
        assert await uow.movies.get(kept.id) is not None
    assert await _showing_count(uow_factory, kept.id) == 2


async def test_delete_refuses_when_a_cancelled_showing_has_bookings(uow_factory: UnitOfWorkFactory) -> None:
    kept = movie("Kept")
    await add_movies(uow_factory, kept)
    await add_showing(uow_factory, kept.id, status=ShowingStatus.CANCELLED)
    await add_showing(uow_factory, kept.id, status=ShowingStatus.CANCELLED, booked=True)
    async with uow_factory() as uow:
        with pytest.raises(MovieHasShowings):
            await uow.movies.delete(kept.id)
    async with uow_factory() as uow:
        assert await uow.movies.get(kept.id) is not None
    assert await _showing_count(uow_factory, kept.id) == 2
