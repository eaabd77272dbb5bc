"""TMDB JSON -> the records of the MovieSource port. Tolerant of missing or null fields, strict about types."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from lynriescoop.application.ports.movie_source import SourceMovieDetails, SourceMovieSummary, SourceSearchPage

TOP_CAST = 10
YOUTUBE_WATCH = "https://www.youtube.com/watch?v="

_CENT = Decimal("0.01")


def _int(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _str(value: Any) -> str | None:
    if not isinstance(value, str):
        return None
    return value.strip() or None


def _date(value: Any) -> date | None:
    """TMDB writes ``"2010-07-15"``, or ``""`` when it does not know."""
    text = _str(value)
    if text is None:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        return None


def _vote_average(value: Any) -> Decimal | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    try:
        number = Decimal(str(value)).quantize(_CENT, rounding=ROUND_HALF_UP)
    except InvalidOperation:
        return None
    return number if Decimal(0) <= number <= Decimal(10) else None


def _dicts(value: Any) -> list[Mapping[str, Any]]:
    return [item for item in value if isinstance(item, Mapping)] if isinstance(value, list) else []


def _mapping(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def genre_names(body: Mapping[str, Any]) -> dict[int, str]:
    """``/genre/movie/list``: ``{"genres": [{"id": 28, "name": "Action"}, ...]}`` -> ``{28: "Action"}``."""
    names: dict[int, str] = {}
    for genre in _dicts(body.get("genres")):
        genre_id, name = _int(genre.get("id")), _str(genre.get("name"))
        if genre_id is not None and name is not None:
            names[genre_id] = name
    return names


def search_page(body: Mapping[str, Any], genres: Mapping[int, str]) -> SourceSearchPage:
    """``/search/movie``: hits without an id or a title are skipped; unknown genre ids are left out."""
    items = []
    for hit in _dicts(body.get("results")):
        tmdb_id, title = _int(hit.get("id")), _str(hit.get("title"))
        if tmdb_id is None or title is None:
            continue
        ids = hit.get("genre_ids")
        ids = ids if isinstance(ids, list) else []
        items.append(
            SourceMovieSummary(
                tmdb_id=tmdb_id,
                title=title,
                overview=_str(hit.get("overview")),
                release_date=_date(hit.get("release_date")),
                poster_path=_str(hit.get("poster_path")),
                vote_average=_vote_average(hit.get("vote_average")),
                genres=tuple(genres[i] for i in ids if isinstance(i, int) and i in genres),
            )
        )
    return SourceSearchPage(
        items=items,
        page=_int(body.get("page")) or 1,
        total_pages=_int(body.get("total_pages")) or 0,
        total_results=_int(body.get("total_results")) or 0,
    )


def _directors(credits: Mapping[str, Any]) -> str | None:
    names: list[str] = []
    for member in _dicts(credits.get("crew")):
        name = _str(member.get("name"))
        if member.get("job") == "Director" and name is not None and name not in names:
            names.append(name)
    return ", ".join(names) or None


def _top_cast(credits: Mapping[str, Any]) -> tuple[str, ...]:
    billed = [
        (order if (order := _int(member.get("order"))) is not None else 10**6, index, name)
        for index, member in enumerate(_dicts(credits.get("cast")))
        if (name := _str(member.get("name"))) is not None
    ]
    return tuple(name for _, _, name in sorted(billed)[:TOP_CAST])


def _trailer(videos: Mapping[str, Any]) -> str | None:
    """The first official YouTube trailer, else the first YouTube trailer at all."""
    trailers = [
        video
        for video in _dicts(videos.get("results"))
        if video.get("site") == "YouTube" and video.get("type") == "Trailer" and _str(video.get("key"))
    ]
    if not trailers:
        return None
    chosen = next((video for video in trailers if video.get("official") is True), trailers[0])
    return YOUTUBE_WATCH + str(_str(chosen.get("key")))


def movie_details(body: Mapping[str, Any]) -> SourceMovieDetails:
    """``/movie/{id}?append_to_response=credits,videos``. Raises ValueError without an id or a title."""
    tmdb_id, title = _int(body.get("id")), _str(body.get("title"))
    if tmdb_id is None or title is None:
        raise ValueError("a TMDB movie without an id or a title")
    credits, videos = _mapping(body.get("credits")), _mapping(body.get("videos"))
    runtime = _int(body.get("runtime"))
    vote_count = _int(body.get("vote_count"))
    return SourceMovieDetails(
        tmdb_id=tmdb_id,
        title=title,
        runtime=runtime if runtime else None,
        overview=_str(body.get("overview")),
        release_date=_date(body.get("release_date")),
        genres=tuple(name for g in _dicts(body.get("genres")) if (name := _str(g.get("name"))) is not None),
        poster_path=_str(body.get("poster_path")),
        backdrop_path=_str(body.get("backdrop_path")),
        vote_average=_vote_average(body.get("vote_average")),
        vote_count=vote_count if vote_count is not None and vote_count >= 0 else None,
        director=_directors(credits),
        cast=_top_cast(credits),
        trailer_url=_trailer(videos),
    )
