"""The response cache's own rules: bounded memory, one build for concurrent misses, nothing kept that a change
overtook, nothing served while the change feed is deaf."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from uuid import uuid4

import pytest
from starlette.requests import Request

from lynriescoop.adapters.postgres.change_feed import CatalogueChange, ChangeFeed, change_of_writes
from lynriescoop.entrypoints.http.response_cache import Rendered, ResponseCache
from tests.factories import MutableClock

T0 = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)


def scope(
    path: str = "/showings", query: bytes = b"limit=20", headers: dict[str, str] | None = None
) -> dict[str, object]:
    raw = [(k.lower().encode(), v.encode()) for k, v in (headers or {}).items()]
    return {"type": "http", "method": "GET", "path": path, "headers": raw, "query_string": query}


def request(headers: dict[str, str] | None = None) -> Request:
    return Request(scope("/", b"", headers))


class Feed(ChangeFeed):
    def __init__(self) -> None:
        super().__init__()
        self.connected = True
        self.add_live_check(lambda: self.connected)


class Builder:
    def __init__(self, body: bytes = b'{"n": 1}', changes_at: datetime | None = None) -> None:
        self.calls = 0
        self.body = body
        self.changes_at = changes_at
        self.gate: asyncio.Event | None = None

    async def __call__(self) -> Rendered:
        self.calls += 1
        if self.gate is not None:
            await self.gate.wait()
        return Rendered(self.body + str(self.calls).encode(), self.changes_at)


@pytest.fixture
def feed() -> Feed:
    return Feed()


@pytest.fixture
def clock() -> MutableClock:
    return MutableClock(T0)


async def test_served_from_memory_until_its_showing_changes(feed: Feed, clock: MutableClock) -> None:
    cache = ResponseCache(feed, clock)
    showing, other = uuid4(), uuid4()
    build = Builder()
    deps = lambda: cache.showing_deps(showing)  # noqa: E731
    first = await cache.respond(request(), "k", deps, build)
    assert (await cache.respond(request(), "k", deps, build)).body == first.body
    feed.publish(CatalogueChange(showings=frozenset({other})))
    assert (await cache.respond(request(), "k", deps, build)).body == first.body and build.calls == 1
    feed.publish(CatalogueChange(showings=frozenset({showing})))
    assert (await cache.respond(request(), "k", deps, build)).body != first.body and build.calls == 2
    feed.publish(CatalogueChange(all_showings=True))
    await cache.respond(request(), "k", deps, build)
    feed.publish(CatalogueChange(everything=True))
    await cache.respond(request(), "k", deps, build)
    assert build.calls == 4


async def test_an_entry_lapses_when_the_data_changes_by_time(feed: Feed, clock: MutableClock) -> None:
    cache = ResponseCache(feed, clock)
    build = Builder(changes_at=T0 + timedelta(seconds=30))
    await cache.respond(request(), "k", cache.movie_deps, build)
    clock.advance(timedelta(seconds=29))
    await cache.respond(request(), "k", cache.movie_deps, build)
    assert build.calls == 1
    clock.advance(timedelta(seconds=1))
    await cache.respond(request(), "k", cache.movie_deps, build)
    assert build.calls == 2
    capped = Builder()
    await cache.respond(request(), "list", cache.showing_list_deps, capped, max_age=timedelta(seconds=1))
    clock.advance(timedelta(seconds=1))
    await cache.respond(request(), "list", cache.showing_list_deps, capped, max_age=timedelta(seconds=1))
    assert capped.calls == 2


async def test_memory_is_bounded_by_entries_and_bytes(feed: Feed, clock: MutableClock) -> None:
    cache = ResponseCache(feed, clock, max_entries=3, max_bytes=10_000)
    for key in range(5):
        await cache.respond(request(), key, cache.movie_deps, Builder())
    assert cache.size[0] == 3
    big = Builder(body=b"x" * 6000)
    await cache.respond(request(), "big-1", cache.movie_deps, big)
    await cache.respond(request(), "big-2", cache.movie_deps, big)
    entries, held = cache.size
    assert held <= 10_000 and entries <= 3
    await cache.respond(request(), "huge", cache.movie_deps, Builder(body=b"x" * 20_000))
    assert cache.size[1] <= 10_000  # larger than the whole budget: served, never kept


async def test_concurrent_misses_share_one_build(feed: Feed, clock: MutableClock) -> None:
    cache = ResponseCache(feed, clock)
    build = Builder()
    build.gate = asyncio.Event()
    answers = [asyncio.create_task(cache.respond(request(), "k", cache.movie_deps, build)) for _ in range(20)]
    await asyncio.sleep(0)
    build.gate.set()
    bodies = {response.body for response in await asyncio.gather(*answers)}
    assert build.calls == 1 and len(bodies) == 1


async def test_a_build_overtaken_by_a_change_is_not_kept(feed: Feed, clock: MutableClock) -> None:
    cache = ResponseCache(feed, clock)
    showing = uuid4()
    build = Builder()
    build.gate = asyncio.Event()
    deps = lambda: cache.showing_deps(showing)  # noqa: E731
    pending = asyncio.create_task(cache.respond(request(), "k", deps, build))
    await asyncio.sleep(0)
    feed.publish(CatalogueChange(showings=frozenset({showing})))  # committed while the read ran
    build.gate.set()
    await pending
    # A reader arriving after the change never joins or reuses the build that began before it.
    await cache.respond(request(), "k", deps, build)
    assert build.calls == 2


async def test_nothing_is_served_from_memory_while_the_feed_is_deaf(feed: Feed, clock: MutableClock) -> None:
    cache = ResponseCache(feed, clock)
    build = Builder()
    feed.connected = False
    for _ in range(3):
        await cache.respond(request(), "k", cache.movie_deps, build)
    assert build.calls == 3 and cache.size == (0, 0)
    assert not ResponseCache(None, clock).live


async def test_if_none_match_and_gzip_negotiation(feed: Feed, clock: MutableClock) -> None:
    cache = ResponseCache(feed, clock)
    build = Builder(body=b'{"seats": "' + b"a" * 2000 + b'"}')
    plain = await cache.respond(request(), "k", cache.movie_deps, build)
    zipped = await cache.respond(request({"Accept-Encoding": "br, gzip;q=0.8"}), "k", cache.movie_deps, build)
    refused = await cache.respond(request({"Accept-Encoding": "gzip;q=0"}), "k", cache.movie_deps, build)
    assert zipped.headers["content-encoding"] == "gzip" and "content-encoding" not in plain.headers
    assert "content-encoding" not in refused.headers
    for etag in (plain.headers["etag"], zipped.headers["etag"], "*"):
        hit = await cache.respond(request({"If-None-Match": etag}), "k", cache.movie_deps, build)
        assert hit.status_code == 304 and hit.body == b""


def test_what_a_transaction_changed() -> None:
    showing = uuid4()
    assert change_of_writes({"users", "refresh_tokens"}, []).empty
    assert change_of_writes({"bookings", "seat_reservations"}, [showing]) == CatalogueChange(
        showings=frozenset({showing})
    )
    assert change_of_writes({"bookings"}, []) == CatalogueChange(all_showings=True)
    # Writes the unit of work does not see (raw driver statements) are named by their events.
    assert change_of_writes(set(), [showing]) == CatalogueChange(showings=frozenset({showing}))
    assert change_of_writes({"seats", "bookings"}, [showing]).everything
    assert change_of_writes({"movies"}, []).everything


@pytest.mark.parametrize(
    "change",
    [
        CatalogueChange(everything=True),
        CatalogueChange(all_showings=True),
        CatalogueChange(showings=frozenset({uuid4(), uuid4()})),
        CatalogueChange(showings=frozenset({uuid4()}), all_showings=True),
    ],
)
def test_notify_payloads_round_trip(change: CatalogueChange) -> None:
    assert CatalogueChange.decode(change.encode()) == change


def test_unreadable_payloads_mean_everything() -> None:
    assert CatalogueChange.decode("not-a-uuid").everything
    many = CatalogueChange(showings=frozenset(uuid4() for _ in range(500)))
    assert CatalogueChange.decode(many.encode()).everything  # too long for one NOTIFY: says "everything"


async def test_a_known_request_line_is_answered_from_its_entry_while_it_holds(feed: Feed, clock: MutableClock) -> None:
    cache = ResponseCache(feed, clock)
    showing = uuid4()
    build = Builder(changes_at=T0 + timedelta(seconds=30))
    deps = lambda: cache.showing_deps(showing)  # noqa: E731
    route = object()
    assert cache.answer_known(scope()) is None  # never answered: it goes through its route
    first_scope = scope()
    first_scope["route"] = route
    first = await cache.respond(Request(first_scope), "k", deps, build)

    known_scope = scope()
    known = cache.answer_known(known_scope)
    assert known is not None and known.body == first.body and known.headers["etag"] == first.headers["etag"]
    assert known_scope["route"] is route  # the metrics count it under its route
    assert cache.answer_known(scope(query=b"limit=21")) is None  # another line is another request
    assert cache.answer_known(scope(path="/movies")) is None
    conditional = cache.answer_known(scope(headers={"If-None-Match": first.headers["etag"]}))
    assert conditional is not None and conditional.status_code == 304

    feed.publish(CatalogueChange(showings=frozenset({showing})))
    assert cache.answer_known(scope()) is None  # changed: the route rebuilds it
    await cache.respond(Request(scope()), "k", deps, build)
    assert cache.answer_known(scope()) is not None
    clock.advance(timedelta(seconds=30))
    assert cache.answer_known(scope()) is None  # its time came
    await cache.respond(Request(scope()), "k", deps, build)
    feed.connected = False
    assert cache.answer_known(scope()) is None  # deaf feed: nothing from memory
    assert build.calls == 3


async def test_known_request_lines_are_bounded(feed: Feed, clock: MutableClock) -> None:
    cache = ResponseCache(feed, clock, max_entries=3)
    for n in range(5):
        await cache.respond(Request(scope(query=f"n={n}".encode())), ("k", n), cache.movie_deps, Builder())
    assert [cache.answer_known(scope(query=f"n={n}".encode())) is not None for n in range(5)] == [
        False,
        False,
        True,
        True,
        True,
    ]
    assert len(cache._known) == 3


async def test_only_a_stored_get_becomes_known(feed: Feed, clock: MutableClock) -> None:
    cache = ResponseCache(feed, clock)
    feed.connected = False  # nothing stored while the feed is deaf
    await cache.respond(Request(scope()), "k", cache.movie_deps, Builder())
    feed.connected = True
    assert cache.answer_known(scope()) is None
    head = scope()
    head["method"] = "HEAD"
    await cache.respond(Request(head), "k", cache.movie_deps, Builder())
    assert cache.answer_known(scope()) is None
