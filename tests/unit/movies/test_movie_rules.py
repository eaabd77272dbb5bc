"""The movie entity validates itself; the poster URL rule."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest

from lynriescoop.domain.errors import InvalidMovie
from lynriescoop.domain.movies import Movie, MovieStatus, poster_url

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)


def movie(**fields: Any) -> Movie:
    values: dict[str, Any] = {"title": "Arrival", "runtime": 116, "created_at": NOW, "updated_at": NOW}
    values.update(fields)
    return Movie(**values)


def test_fields_are_normalised() -> None:
    m = movie(
        title="  Arrival ",
        overview="   ",
        director=" Denis Villeneuve ",
        genres=[" Drama", "drama", "Science Fiction", "", "  "],
        cast=["Amy Adams", "Amy Adams", " Jeremy Renner "],
        vote_average=8.369,
        status="archived",
    )
    assert m.title == "Arrival"
    assert m.overview is None
    assert m.director == "Denis Villeneuve"
    assert m.genres == ["Drama", "Science Fiction"]  # case-insensitive repeats dropped, first kept
    assert m.cast == ["Amy Adams", "Amy Adams", "Jeremy Renner"]  # two people may share a name
    assert m.vote_average == Decimal("8.37")
    assert m.status is MovieStatus.ARCHIVED


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("title", "   "),
        ("title", "x" * 301),
        ("runtime", 0),
        ("runtime", 1001),
        ("runtime", True),
        ("tmdb_id", 0),
        ("tmdb_id", 2**31),
        ("vote_average", Decimal("10.01")),
        ("vote_average", -1),
        ("vote_average", "lots"),
        ("vote_average", float("nan")),
        ("vote_count", -1),
        ("trailer_url", "youtube.com/watch?v=x"),
        ("release_date", "2020-01-01"),
        ("genres", "Drama"),
        ("genres", [f"Genre {i}" for i in range(21)]),
        ("cast", [f"Actor {i}" for i in range(51)]),
        ("poster_path", "/" + "p" * 500),
        ("status", "deleted"),
    ],
)
def test_invalid_fields_are_refused_naming_the_field(name: str, value: object) -> None:
    with pytest.raises(InvalidMovie) as caught:
        movie(**{name: value})
    assert caught.value.field == name
    assert caught.value.code == "validation_error"
    assert caught.value.extra["errors"][0]["loc"] == ["body", name]


def test_bounds_are_inclusive() -> None:
    m = movie(runtime=1000, vote_average=Decimal("10"), vote_count=0, tmdb_id=1, release_date=date(1895, 12, 28))
    assert (m.runtime, m.vote_average, m.vote_count) == (1000, Decimal("10.00"), 0)
    assert movie(runtime=1).runtime == 1


def test_with_changes_validates_and_touches_a_copy() -> None:
    original = movie(director="Someone", genres=["Drama"])
    later = NOW + timedelta(hours=1)
    changed = original.with_changes({"title": " Story of Your Life ", "director": None, "genres": []}, later)
    assert (changed.title, changed.director, changed.genres) == ("Story of Your Life", None, [])
    assert changed.updated_at == later and changed.created_at == NOW and changed.id == original.id
    assert (original.title, original.director, original.updated_at) == ("Arrival", "Someone", NOW)


@pytest.mark.parametrize("name", ["title", "runtime", "genres", "cast", "status"])
def test_with_changes_cannot_clear_required_fields(name: str) -> None:
    with pytest.raises(InvalidMovie) as caught:
        movie().with_changes({name: None}, NOW)
    assert caught.value.field == name


def test_with_changes_refuses_fields_that_are_not_editable() -> None:
    with pytest.raises(InvalidMovie):
        movie().with_changes({"created_at": NOW}, NOW)
    with pytest.raises(InvalidMovie):
        movie().with_changes({"runtime": 0}, NOW)


@pytest.mark.parametrize(
    ("path", "base", "expected"),
    [
        (None, "https://image.tmdb.org/t/p/w500", None),
        ("", "https://image.tmdb.org/t/p/w500", None),
        ("/abc.jpg", "https://image.tmdb.org/t/p/w500", "https://image.tmdb.org/t/p/w500/abc.jpg"),
        ("/abc.jpg", "https://image.tmdb.org/t/p/w500/", "https://image.tmdb.org/t/p/w500/abc.jpg"),
        ("abc.jpg", "https://cdn.example/img", "https://cdn.example/img/abc.jpg"),
        ("https://cdn.example/poster.png", "https://image.tmdb.org/t/p/w500", "https://cdn.example/poster.png"),
        ("http://cdn.example/poster.png", "https://image.tmdb.org/t/p/w500", "http://cdn.example/poster.png"),
    ],
)
def test_poster_url_rule(path: str | None, base: str, expected: str | None) -> None:
    assert poster_url(path, base) == expected
