"""The HTTP client TMDB is reached with, and the lifespan service that closes it on shutdown."""

from __future__ import annotations

import httpx


def make_tmdb_http_client(base_url: str, timeout_seconds: float) -> httpx.AsyncClient:
    """One pooled client for the process; ``base_url`` is the v3 root (``https://api.themoviedb.org/3``)."""
    return httpx.AsyncClient(
        base_url=base_url.rstrip("/") + "/",
        timeout=httpx.Timeout(timeout_seconds),
        headers={"Accept": "application/json", "User-Agent": "lynriescoop"},
        limits=httpx.Limits(max_connections=20, max_keepalive_connections=5),
    )


class HttpClientCloser:
    """A background service with nothing to run: it closes an HTTP client when the app stops."""

    def __init__(self, name: str, client: httpx.AsyncClient) -> None:
        self.name = name
        self._client = client

    async def start(self) -> None:
        return None

    async def stop(self) -> None:
        await self._client.aclose()
