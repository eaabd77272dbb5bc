"""Conditional and compressed answers, alike for every route that sends ETags (the read cache, the web page):
whether the client accepts gzip (RFC 9110 §12.5.3, ``q=0`` refuses) and whether its ``If-None-Match`` names the
current representation (weak comparison, RFC 9110 §13.1.2)."""

from __future__ import annotations

from starlette.requests import Request


def accepts_gzip(request: Request) -> bool:
    header = request.headers.get("accept-encoding")
    if not header:
        return False
    for part in header.split(","):
        coding, _, params = part.strip().partition(";")
        if coding.strip().lower() in ("gzip", "*"):
            q = params.strip().lower()
            return not (q.startswith("q=") and _quality(q[2:]) == 0)
    return False


def _quality(value: str) -> float:
    try:
        return float(value)
    except ValueError:
        return 1.0


def _matches(if_none_match: str, etags: tuple[str, ...]) -> bool:
    """Weak comparison (RFC 9110 §13.1.2): ``W/`` prefixes are ignored; ``*`` matches any current body."""
    if if_none_match.strip() == "*":
        return True
    candidates = {tag.strip().removeprefix("W/") for tag in if_none_match.split(",")}
    return any(etag in candidates for etag in etags)


def not_modified(request: Request, etags: tuple[str, ...]) -> bool:
    """Whether the request's ``If-None-Match`` matches one of ``etags`` (answer 304)."""
    if_none_match = request.headers.get("if-none-match")
    return if_none_match is not None and _matches(if_none_match, etags)
