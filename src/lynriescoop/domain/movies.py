"""Movies of the catalogue.

A movie validates itself on creation and on every change (:meth:`Movie.with_changes`): a broken field raises
:class:`~lynriescoop.domain.errors.InvalidMovie` (422 ``validation_error``) naming the field.
"""

from __future__ import annotations

import dataclasses
import enum
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any, NoReturn
from uuid import UUID, uuid4

from lynriescoop.domain.errors import InvalidMovie

TITLE_MAX_LENGTH = 300
OVERVIEW_MAX_LENGTH = 5000
PATH_MAX_LENGTH = 500
NAME_MAX_LENGTH = 200
GENRE_MAX_LENGTH = 50
MAX_GENRES = 20
MAX_CAST = 50
RUNTIME_MIN = 1
RUNTIME_MAX = 1000
VOTE_AVERAGE_MAX = Decimal("10")
TMDB_ID_MAX = 2**31 - 1

# What a manager may set on create or change with PATCH; the rest (id, timestamps) belongs to the service.
EDITABLE_FIELDS = frozenset(
    {
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
    }
)
# Fields that cannot be cleared (null) by a PATCH.
REQUIRED_FIELDS = frozenset({"title", "runtime", "genres", "cast", "status"})

_CENT = Decimal("0.01")


def poster_url(poster_path: str | None, image_base_url: str) -> str | None:
    """The public URL of a poster.

    Rule: no path, no URL; a path that already is an absolute ``http(s)://`` URL is kept as it is; any other path
    (TMDB's ``/abc.jpg``) is appended to the image base (``TMDB_IMAGE_BASE_URL``) with exactly one slash between.
    """
    if not poster_path:
        return None
    if poster_path.startswith(("http://", "https://")):
        return poster_path
    return image_base_url.rstrip("/") + "/" + poster_path.lstrip("/")


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
        self.title = _text("title", self.title, TITLE_MAX_LENGTH) or _invalid("title", "a movie needs a title")
        self.runtime = _whole("runtime", self.runtime, RUNTIME_MIN, RUNTIME_MAX)
        self.tmdb_id = None if self.tmdb_id is None else _whole("tmdb_id", self.tmdb_id, 1, TMDB_ID_MAX)
        self.overview = _text("overview", self.overview, OVERVIEW_MAX_LENGTH)
        self.poster_path = _text("poster_path", self.poster_path, PATH_MAX_LENGTH)
        self.backdrop_path = _text("backdrop_path", self.backdrop_path, PATH_MAX_LENGTH)
        self.director = _text("director", self.director, NAME_MAX_LENGTH)
        self.trailer_url = _text("trailer_url", self.trailer_url, PATH_MAX_LENGTH)
        if self.trailer_url is not None and not self.trailer_url.startswith(("http://", "https://")):
            _invalid("trailer_url", "a trailer URL starts with http:// or https://")
        if self.release_date is not None and not isinstance(self.release_date, date):
            _invalid("release_date", "a release date is a date")
        self.genres = _names("genres", self.genres, GENRE_MAX_LENGTH, MAX_GENRES, distinct=True)
        self.cast = _names("cast", self.cast, NAME_MAX_LENGTH, MAX_CAST, distinct=False)
        self.vote_average = _vote_average(self.vote_average)
        self.vote_count = None if self.vote_count is None else _whole("vote_count", self.vote_count, 0, TMDB_ID_MAX)
        try:
            self.status = MovieStatus(self.status)
        except ValueError:
            _invalid("status", "status is active or archived")

    def with_changes(self, changes: Mapping[str, Any], now: datetime) -> Movie:
        """A copy with ``changes`` applied and validated again, ``updated_at`` set to ``now``.

        Only :data:`EDITABLE_FIELDS` may change; :data:`REQUIRED_FIELDS` cannot be cleared with ``None``.
        """
        for name, value in changes.items():
            if name not in EDITABLE_FIELDS:
                _invalid(name, "this field cannot be changed")
            if value is None and name in REQUIRED_FIELDS:
                _invalid(name, "this field cannot be null")
        return dataclasses.replace(self, **changes, updated_at=now)


def _invalid(name: str, message: str) -> NoReturn:
    raise InvalidMovie(name, message)


def _text(name: str, value: object, max_length: int) -> str | None:
    """Trimmed text, or None for nothing or blank."""
    if value is None:
        return None
    if not isinstance(value, str):
        _invalid(name, "must be text")
    value = value.strip()
    if len(value) > max_length:
        _invalid(name, f"at most {max_length} characters")
    return value or None


def _whole(name: str, value: object, low: int, high: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        _invalid(name, f"a whole number between {low} and {high}")
    return value


def _names(name: str, values: Iterable[object], max_length: int, max_items: int, *, distinct: bool) -> list[str]:
    """Trimmed, non-blank names; with ``distinct``, repeats (case-insensitively) are dropped, first one kept."""
    if isinstance(values, str) or not isinstance(values, Iterable):
        _invalid(name, "must be a list of names")
    names: list[str] = []
    seen: set[str] = set()
    for value in values:
        text = _text(name, value, max_length)
        if text is None or (distinct and text.casefold() in seen):
            continue
        seen.add(text.casefold())
        names.append(text)
    if len(names) > max_items:
        _invalid(name, f"at most {max_items} names")
    return names


def _vote_average(value: object) -> Decimal | None:
    """Between 0 and 10, kept to two decimal places (as stored)."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, Decimal | int | float | str):
        _invalid("vote_average", "must be a number")
    try:
        number = Decimal(str(value))
    except InvalidOperation:
        _invalid("vote_average", "must be a number")
    if not number.is_finite() or not Decimal(0) <= number <= VOTE_AVERAGE_MAX:
        _invalid("vote_average", "must be between 0 and 10")
    return number.quantize(_CENT, rounding=ROUND_HALF_UP)
