"""Settings -> the TMDB adapter: one pooled HTTP client per container, closed by the lifespan."""

from __future__ import annotations

import httpx
from pydantic import SecretStr

from lynriescoop.adapters.tmdb.http import make_tmdb_http_client
from lynriescoop.adapters.tmdb.source import TmdbMovieSource
from lynriescoop.settings import Settings


def _reveal(secret: SecretStr | None) -> str | None:
    return secret.get_secret_value().strip() or None if secret is not None else None


def tmdb_http_client(settings: Settings) -> httpx.AsyncClient:
    return make_tmdb_http_client(settings.tmdb_base_url, settings.tmdb_timeout_seconds)


def tmdb_movie_source(settings: Settings, client: httpx.AsyncClient) -> TmdbMovieSource:
    """Bearer auth with ``TMDB_READ_TOKEN`` when set, else ``TMDB_API_KEY``; neither: every call is 503."""
    return TmdbMovieSource(client, api_key=_reveal(settings.tmdb_api_key), read_token=_reveal(settings.tmdb_read_token))
