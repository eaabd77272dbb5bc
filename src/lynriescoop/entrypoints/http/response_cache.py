"""Encoded responses of the hottest reads, kept in memory: the seat map, a showing, lists of showings and movies.

What it keeps: per key (a route and its validated parameters), the JSON bytes, their gzip form (from 1 KiB), a
strong ``ETag`` and until when they hold. An entry is served only while all of these hold:

- **nothing it depends on changed** since the build began. Every write that matters announces itself on the
  process's :class:`ChangeFeed` (at once for the process's own commits, through ``NOTIFY`` within milliseconds for
  other processes'), which raises generation counters: one for everything, one for every showing, one for the
  lists, and one per showing. An entry remembers the counters it was built under and is stale once any moved.
- **time has not changed it**: ``changes_at`` (the next hold to lapse, the showing's start or end) has not passed.
  Lists of showings other than the first page of upcoming ones also hold at most ``LIST_MAX_AGE`` (a showing that
  starts leaves every later page).
- **the feed is live**: while the ``LISTEN`` connection is down the cache neither serves nor stores.

Requests it answered once are known by their request line: a later GET with the same path and query string is
answered from the entry before any routing or parameter validation (:meth:`ResponseCache.answer_known`, called by
``CachedReadMiddleware``), under the same three conditions; anything else (an unknown line, a stale entry) goes
the whole way through the route, which rebuilds the entry. Only public reads use the cache (their answer does not
depend on who asks), so a request line is all it takes.

It serves reads only: no booking ever consults it. Memory is bounded: at most ``max_entries`` entries and
``max_bytes`` bytes of bodies (identity plus gzip), least recently used evicted first, and at most
``max_entries`` known request lines. Concurrent misses of one key
under the same counters share one build.
"""

from __future__ import annotations

import asyncio
import gzip
import hashlib
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Hashable
from dataclasses import dataclass
from datetime import datetime, timedelta
from uuid import UUID

from starlette.requests import Request
from starlette.responses import Response
from starlette.types import Scope

from lynriescoop.adapters.postgres.change_feed import CatalogueChange, ChangeFeed
from lynriescoop.application.ports.clock import Clock
from lynriescoop.entrypoints.http.conditional import accepts_gzip, not_modified

GZIP_MIN_BYTES = 1024
LIST_MAX_AGE = timedelta(seconds=1)
DEFAULT_MAX_ENTRIES = 4096
DEFAULT_MAX_BYTES = 64 * 1024 * 1024

_JSON = "application/json"


@dataclass(frozen=True, slots=True)
class Rendered:
    """What a builder returns: the JSON body, and the next moment it changes with no write (or None)."""

    body: bytes
    changes_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class _Entry:
    body: bytes
    gzipped: bytes | None
    etag: str
    generations: tuple[int, ...]
    valid_until: datetime | None

    @property
    def size(self) -> int:
        return len(self.body) + len(self.gzipped or b"")


Deps = Callable[[], tuple[int, ...]]


@dataclass(frozen=True, slots=True)
class _Known:
    """A request line the cache answered: the entry's key, what it depends on, and the route (for the metrics)."""

    key: Hashable
    deps: Deps
    route: object


class ResponseCache:
    def __init__(
        self,
        feed: ChangeFeed | None,
        clock: Clock,
        *,
        max_entries: int = DEFAULT_MAX_ENTRIES,
        max_bytes: int = DEFAULT_MAX_BYTES,
    ) -> None:
        self._feed = feed
        self._clock = clock
        self.max_entries = max_entries
        self.max_bytes = max_bytes
        self._entries: OrderedDict[Hashable, _Entry] = OrderedDict()
        self._bytes = 0
        self._building: dict[Hashable, tuple[tuple[int, ...], asyncio.Future[_Entry]]] = {}
        self._everything = 0
        self._all_showings = 0
        self._lists = 0
        self._showings: dict[UUID, int] = {}
        self._known: OrderedDict[tuple[str, bytes], _Known] = OrderedDict()
        self.hits = 0
        self.misses = 0
        if feed is not None:
            feed.subscribe(self.invalidate)

    # -- what entries depend on -------------------------------------------------------------------------------

    def invalidate(self, change: CatalogueChange) -> None:
        if change.everything:
            self._everything += 1
            self._entries.clear()
            self._bytes = 0
            self._showings.clear()
            return
        self._lists += 1
        if change.all_showings:
            self._all_showings += 1
        for showing_id in change.showings:
            self._showings[showing_id] = self._showings.get(showing_id, 0) + 1

    def showing_deps(self, showing_id: UUID) -> tuple[int, ...]:
        """A seat map or a showing page: that showing, every showing, everything."""
        return (self._everything, self._all_showings, self._showings.get(showing_id, 0))

    def showing_list_deps(self) -> tuple[int, ...]:
        return (self._everything, self._all_showings, self._lists)

    def movie_deps(self) -> tuple[int, ...]:
        """Movies change only with "everything" (see CatalogueChange)."""
        return (self._everything,)

    # -- serving ----------------------------------------------------------------------------------------------

    @property
    def live(self) -> bool:
        return self._feed is not None and self._feed.live

    @property
    def size(self) -> tuple[int, int]:
        """(entries, bytes) held now."""
        return len(self._entries), self._bytes

    async def respond(
        self,
        request: Request,
        key: Hashable,
        deps: Deps,
        build: Callable[[], Awaitable[Rendered]],
        *,
        max_age: timedelta | None = None,
    ) -> Response:
        """The response for ``key``: from memory when it still holds, else built (once for concurrent callers).
        For public reads only: the request line becomes known, and answers later requests with the same line."""
        entry = await self._entry(key, deps, build, max_age)
        if self._entries.get(key) is entry and request.method == "GET":
            self._know(request.scope, _Known(key, deps, request.scope.get("route")))
        return _answer(request, entry)

    def answer_known(self, scope: Scope) -> Response | None:
        """The answer to a GET whose path and query string the cache answered before, from its entry while that
        entry still holds (nothing it depends on changed, its time has not come, the feed is live); None when the
        request has to go through its route."""
        known = self._known.get((scope["path"], scope["query_string"]))
        if known is None or not self.live:
            return None
        entry = self._entries.get(known.key)
        if entry is None or entry.generations != known.deps() or not _holds(entry, self._clock.now()):
            return None
        self._entries.move_to_end(known.key)
        self.hits += 1
        scope["route"] = known.route
        return _answer(Request(scope), entry)

    def _know(self, scope: Scope, known: _Known) -> None:
        line = (scope["path"], scope["query_string"])
        self._known[line] = known
        self._known.move_to_end(line)
        while len(self._known) > self.max_entries:
            self._known.popitem(last=False)

    async def _entry(
        self,
        key: Hashable,
        deps: Deps,
        build: Callable[[], Awaitable[Rendered]],
        max_age: timedelta | None,
    ) -> _Entry:
        if not self.live:
            self.misses += 1
            return _encode(await build(), (), None)
        now = self._clock.now()
        generations = deps()
        entry = self._entries.get(key)
        if entry is not None and entry.generations == generations and _holds(entry, now):
            self._entries.move_to_end(key)
            self.hits += 1
            return entry
        building = self._building.get(key)
        if building is not None and building[0] == generations:
            return await asyncio.shield(building[1])
        self.misses += 1
        future: asyncio.Future[_Entry] = asyncio.get_running_loop().create_future()
        self._building[key] = (generations, future)
        try:
            rendered = await build()
            limit = now + max_age if max_age is not None else None
            valid_until = min(filter(None, (rendered.changes_at, limit)), default=None)
            entry = _encode(rendered, generations, valid_until)
            # Counters that moved while building mean the body may predate a change: serve it to this caller
            # (it began before the change), but keep it for nobody.
            if deps() == generations and self.live:
                self._store(key, entry)
            future.set_result(entry)
            return entry
        except BaseException as exc:
            future.set_exception(exc)
            future.exception()  # retrieved: joiners re-raise it; nobody else needs to be told
            raise
        finally:
            if self._building.get(key, (None, None))[1] is future:
                del self._building[key]

    def _store(self, key: Hashable, entry: _Entry) -> None:
        old = self._entries.pop(key, None)
        if old is not None:
            self._bytes -= old.size
        if entry.size > self.max_bytes:
            return
        self._entries[key] = entry
        self._bytes += entry.size
        while len(self._entries) > self.max_entries or self._bytes > self.max_bytes:
            _, evicted = self._entries.popitem(last=False)
            self._bytes -= evicted.size


def _holds(entry: _Entry, now: datetime) -> bool:
    return entry.valid_until is None or now < entry.valid_until


def _encode(rendered: Rendered, generations: tuple[int, ...], valid_until: datetime | None) -> _Entry:
    body = rendered.body
    digest = hashlib.blake2b(body, digest_size=12).hexdigest()
    # The same threshold as the gzip middleware's (from 1 KiB on): an answer from the cache never needs it.
    gzipped = gzip.compress(body, compresslevel=6, mtime=0) if len(body) >= GZIP_MIN_BYTES else None
    return _Entry(body, gzipped, f'"{digest}"', generations, valid_until)


def _answer(request: Request, entry: _Entry) -> Response:
    gzip_etag = f'{entry.etag[:-1]}-gzip"'
    use_gzip = entry.gzipped is not None and accepts_gzip(request)
    etag = gzip_etag if use_gzip else entry.etag
    headers = {"ETag": etag, "Cache-Control": "no-cache", "Vary": "Accept-Encoding"}
    if not_modified(request, (entry.etag, gzip_etag)):
        return Response(status_code=304, headers=headers)
    if use_gzip:
        assert entry.gzipped is not None
        headers["Content-Encoding"] = "gzip"
        return Response(entry.gzipped, media_type=_JSON, headers=headers)
    return Response(entry.body, media_type=_JSON, headers=headers)
