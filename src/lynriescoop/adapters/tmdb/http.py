"""The HTTP client TMDB is reached with, and the lifespan service that closes it on shutdown.

TMDB's v3 API key can only travel as the ``api_key`` query parameter (only the v4 read token goes in a header), and
httpx logs every request's URL at INFO (``HTTP Request: GET https://...?api_key=...``). A filter on httpx's
logger replaces the key's value with ``***`` in every record, at every level, before any handler sees it.
"""

from __future__ import annotations

import logging
import re

import httpx

SECRET_PARAMS = re.compile(r"(?i)\b(api_key=)[^&\s\"']+")
REDACTED = r"\1***"


def redact(text: str) -> str:
    return SECRET_PARAMS.sub(REDACTED, text)


class RedactSecretParams(logging.Filter):
    """Rewrites a record's message and arguments so that no ``api_key=...`` value survives formatting."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.msg, str):
            record.msg = redact(record.msg)
        if isinstance(record.args, tuple):
            record.args = tuple(redact(str(arg)) if _may_hold_url(arg) else arg for arg in record.args)
        elif isinstance(record.args, dict):
            record.args = {k: redact(str(v)) if _may_hold_url(v) else v for k, v in record.args.items()}
        return True


def _may_hold_url(value: object) -> bool:
    return isinstance(value, str | bytes | httpx.URL) and "api_key" in str(value).lower()


def install_log_redaction() -> None:
    """Once per process: the ``httpx`` logger (the one that logs URLs) never shows a TMDB key. httpcore's debug
    lines name hosts and ports, never a query string."""
    target = logging.getLogger("httpx")
    if not any(isinstance(f, RedactSecretParams) for f in target.filters):
        target.addFilter(RedactSecretParams())


def make_tmdb_http_client(base_url: str, timeout_seconds: float) -> httpx.AsyncClient:
    """One pooled client for the process; ``base_url`` is the v3 root (``https://api.themoviedb.org/3``)."""
    install_log_redaction()
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
