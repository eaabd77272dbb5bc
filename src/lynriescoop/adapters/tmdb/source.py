"""TMDB (v3 API) as the MovieSource, over one shared ``httpx.AsyncClient``.

* Auth: the read access token as ``Authorization: Bearer ...`` when ``TMDB_READ_TOKEN`` is set, else
  ``TMDB_API_KEY`` as the ``api_key`` query parameter (TMDB takes the v3 key nowhere else; the client's logs show
  it as ``api_key=***``, see http.py); neither: TmdbUnavailable without any request.
* Failures: a 5xx, a 429, a connection error or a timeout is retried (``retries`` more attempts, back-off
  doubling from ``backoff_seconds``). Still failing: TmdbUnavailable for the network, TmdbError for an answer.
  404 on a movie: TmdbMovieNotFound. Any other 4xx (a bad key: 401) or an unreadable body: TmdbError.
* Genre ids of search hits become names through ``/genre/movie/list``, fetched once per instance.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping
from typing import Any

import httpx

from lynriescoop.adapters.tmdb.mapping import genre_names, movie_details, search_page
from lynriescoop.application.ports.movie_source import MovieSource, SourceMovieDetails, SourceSearchPage
from lynriescoop.domain.errors import TmdbError, TmdbMovieNotFound, TmdbUnavailable

logger = logging.getLogger(__name__)


class TmdbMovieSource(MovieSource):
    def __init__(
        self,
        client: httpx.AsyncClient,
        *,
        api_key: str | None = None,
        read_token: str | None = None,
        retries: int = 2,
        backoff_seconds: float = 0.25,
    ) -> None:
        self._client = client
        self._api_key = api_key or None
        self._read_token = read_token or None
        self._retries = max(0, retries)
        self._backoff = max(0.0, backoff_seconds)
        self._genres: dict[int, str] | None = None
        self._genres_lock = asyncio.Lock()

    async def search(self, query: str, page: int) -> SourceSearchPage:
        body = await self._get("search/movie", {"query": query, "page": page, "include_adult": "false"})
        return search_page(body, await self._genre_names())

    async def details(self, tmdb_id: int) -> SourceMovieDetails:
        body = await self._get(f"movie/{tmdb_id}", {"append_to_response": "credits,videos"}, missing=True)
        try:
            return movie_details(body)
        except ValueError as exc:
            raise TmdbError("TMDB answered with an unreadable movie.") from exc

    async def _genre_names(self) -> dict[int, str]:
        async with self._genres_lock:
            if self._genres is None:
                self._genres = genre_names(await self._get("genre/movie/list", {}))
            return self._genres

    def _auth(self, params: Mapping[str, Any]) -> tuple[dict[str, str], dict[str, Any]]:
        if self._read_token:
            return {"Authorization": f"Bearer {self._read_token}"}, dict(params)
        if self._api_key:
            return {}, {**params, "api_key": self._api_key}
        raise TmdbUnavailable("TMDB is not configured: set TMDB_READ_TOKEN or TMDB_API_KEY.")

    async def _get(self, path: str, params: Mapping[str, Any], *, missing: bool = False) -> dict[str, Any]:
        headers, query = self._auth(params)
        failure: Exception = TmdbUnavailable()
        for attempt in range(self._retries + 1):
            if attempt:
                await asyncio.sleep(self._backoff * 2 ** (attempt - 1))
            try:
                response = await self._client.get(path, params=query, headers=headers)
            except httpx.TransportError as exc:  # refused, reset, DNS, every kind of timeout
                logger.warning("TMDB %s unreachable (attempt %d): %s", path, attempt + 1, type(exc).__name__)
                failure = TmdbUnavailable("TMDB cannot be reached.")
                continue
            status = response.status_code
            if status >= 500 or status == 429:
                logger.warning("TMDB %s answered %d (attempt %d)", path, status, attempt + 1)
                failure = TmdbError(f"TMDB answered {status}.")
                continue
            if status == 404 and missing:
                raise TmdbMovieNotFound()
            if status >= 400:
                raise TmdbError(f"TMDB answered {status}.")
            return self._json(response)
        raise failure

    @staticmethod
    def _json(response: httpx.Response) -> dict[str, Any]:
        try:
            body = response.json()
        except ValueError as exc:
            raise TmdbError("TMDB answered with something that is not JSON.") from exc
        if not isinstance(body, dict):
            raise TmdbError("TMDB answered with an unexpected shape.")
        return body
