"""API.md §1 caching and compression, end to end: ETag and 304, gzip, and reads that are never wrong for long.

The cached routes answer from memory while nothing changed; these tests show that every kind of change (a booking
through the API, a hold that lapses with no write at all, a change written by another app instance on the same
database) reaches the next read.
"""

from __future__ import annotations

import asyncio
import gzip
import json
import time
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from uuid import uuid4

import httpx
import pytest
from asgi_lifespan import LifespanManager
from fastapi import FastAPI
from sqlalchemy import insert
from sqlalchemy.ext.asyncio import AsyncEngine

from lynriescoop.adapters.postgres import tables as t
from lynriescoop.entrypoints.http.app import create_app
from tests.e2e.conftest import Headers, SettingsFactory
from tests.factories import World

pytestmark = [pytest.mark.postgres]


async def wait_until_cache_live(app: FastAPI) -> None:
    """The change listener connects in the background after start-up; until then nothing is cached."""
    cache = app.state.container.response_cache()
    for _ in range(500):
        if cache.live:
            return
        await asyncio.sleep(0.01)
    raise AssertionError("the change listener never connected")


def statuses(response: httpx.Response) -> dict[str, str]:
    return {seat["label"]: seat["status"] for seat in response.json()["seats"]}


async def test_etag_and_if_none_match_answer_304_without_a_body(
    app: FastAPI, client: httpx.AsyncClient, world: World
) -> None:
    await wait_until_cache_live(app)
    sid = world.showing.id
    for path in (f"/showings/{sid}/seats", f"/showings/{sid}", "/showings?include_past=true", "/movies",
                 f"/movies/{world.movie.id}"):  # fmt: skip
        first = await client.get(path)
        assert first.status_code == 200, path
        etag = first.headers["etag"]
        assert etag.startswith('"') and etag.endswith('"'), etag  # strong
        assert first.headers["cache-control"] == "no-cache"
        assert "accept-encoding" in first.headers["vary"].lower()
        again = await client.get(path, headers={"If-None-Match": etag})
        assert (again.status_code, again.content) == (304, b""), path
        assert again.headers["etag"] == etag
        weak_list = await client.get(path, headers={"If-None-Match": f'"nope", W/{etag}'})
        assert weak_list.status_code == 304, path
        other = await client.get(path, headers={"If-None-Match": '"something-else"'})
        assert other.status_code == 200 and other.json() == first.json(), path


async def test_large_responses_are_gzip_compressed_for_clients_that_accept_it(
    app: FastAPI, client: httpx.AsyncClient, world: World
) -> None:
    await wait_until_cache_live(app)
    path = f"/showings/{world.showing.id}/seats"
    for _ in range(2):  # built, then from memory: the same answer
        zipped = await client.get(path, headers={"Accept-Encoding": "gzip"})
        assert zipped.headers["content-encoding"] == "gzip"
        plain = await client.get(path, headers={"Accept-Encoding": "identity"})
        assert "content-encoding" not in plain.headers
        assert zipped.json() == plain.json() and len(plain.content) > 1024
        assert zipped.headers["etag"] != plain.headers["etag"]  # two representations, two strong validators
    # The wire bytes really are gzip.
    async with client.stream("GET", path, headers={"Accept-Encoding": "gzip"}) as streamed:
        wire = b"".join([chunk async for chunk in streamed.aiter_raw()])
    assert json.loads(gzip.decompress(wire)) == plain.json()
    # Uncached responses over 1 KiB are compressed too (API.md §1 compression).
    docs = await client.get("/openapi.json", headers={"Accept-Encoding": "gzip"})
    assert docs.headers["content-encoding"] == "gzip"


async def test_a_change_shows_in_the_next_read_of_the_same_process(
    app: FastAPI, client: httpx.AsyncClient, world: World, auth: Headers
) -> None:
    await wait_until_cache_live(app)
    sid = world.showing.id
    before_map = await client.get(f"/showings/{sid}/seats")
    before_showing = await client.get(f"/showings/{sid}")
    before_list = await client.get("/showings")
    assert statuses(before_map)["A1"] == "available"
    booked = await client.post(
        "/bookings",
        json={"showing_id": str(sid), "seat_ids": [str(world.seat("A1").id), str(world.seat("A2").id)]},
        headers=auth("ann"),
    )
    assert booked.status_code == 201, booked.text
    after_map = await client.get(f"/showings/{sid}/seats", headers={"If-None-Match": before_map.headers["etag"]})
    assert after_map.status_code == 200
    assert statuses(after_map)["A1"] == statuses(after_map)["A2"] == "held"
    assert after_map.json()["version"] == before_map.json()["version"] + 1
    after_showing = await client.get(f"/showings/{sid}")
    assert after_showing.json()["available_seats"] == before_showing.json()["available_seats"] - 2
    (listed,) = [s for s in (await client.get("/showings")).json()["items"] if s["id"] == str(sid)]
    (listed_before,) = [s for s in before_list.json()["items"] if s["id"] == str(sid)]
    assert listed["available_seats"] == listed_before["available_seats"] - 2


async def test_a_lapsed_hold_shows_available_before_any_sweep(
    app: FastAPI, client: httpx.AsyncClient, world: World, clean_db: AsyncEngine
) -> None:
    """A hold lapses with no write at all: the cached map must not outlive it (the sweeper is far away here)."""
    await wait_until_cache_live(app)
    sid = world.showing.id
    seat = world.seat("B3")
    booking_id = uuid4()
    expires = datetime.now(UTC) + timedelta(seconds=1.5)
    async with app.state.container.uow() as uow:  # through a unit of work, so the cache hears of it
        await uow.session.execute(
            insert(t.bookings).values(
                id=booking_id,
                booking_number=uuid4().hex[:8].upper(),
                user_id=world.users["ann"].id,
                showing_id=sid,
                status="pending",
                total_price=Decimal("10.00"),
                currency="EUR",
                expires_at=expires,
            )
        )
        await uow.session.execute(
            insert(t.seat_reservations).values(
                id=uuid4(),
                booking_id=booking_id,
                showing_id=sid,
                seat_id=seat.id,
                label="B3",
                category="standard",
                price=Decimal("10.00"),
            )
        )
        await uow.commit()
    held = await client.get(f"/showings/{sid}/seats")
    assert statuses(held)["B3"] == "held"
    assert statuses(await client.get(f"/showings/{sid}/seats"))["B3"] == "held"  # from memory
    showing = (await client.get(f"/showings/{sid}")).json()
    await asyncio.sleep(max(0.0, (expires - datetime.now(UTC)).total_seconds()) + 0.05)
    assert statuses(await client.get(f"/showings/{sid}/seats"))["B3"] == "available"
    assert (await client.get(f"/showings/{sid}")).json()["available_seats"] == showing["available_seats"] + 1


@pytest.fixture
async def other_app(make_settings: SettingsFactory, app: FastAPI) -> AsyncIterator[FastAPI]:
    """A second instance of the service on the same database: its own engine, cache and change listener."""
    second = create_app(make_settings())
    async with LifespanManager(second, startup_timeout=30, shutdown_timeout=30):
        yield second


async def test_a_change_made_by_another_instance_shows_within_100_ms(
    app: FastAPI, other_app: FastAPI, client: httpx.AsyncClient, world: World, auth: Headers
) -> None:
    await wait_until_cache_live(app)
    await wait_until_cache_live(other_app)
    sid = world.showing.id
    transport = httpx.ASGITransport(app=other_app)
    async with httpx.AsyncClient(transport=transport, base_url="http://other") as other:
        for label in ("C1", "C2", "C3"):
            assert statuses(await client.get(f"/showings/{sid}/seats"))[label] == "available"
            assert statuses(await client.get(f"/showings/{sid}/seats"))[label] == "available"  # cached now
            booked = await other.post(
                "/bookings",
                json={"showing_id": str(sid), "seat_ids": [str(world.seat(label).id)], "confirm": True},
                headers=auth("bob"),
            )
            assert booked.status_code == 201, booked.text
            committed = time.monotonic()
            while statuses(await client.get(f"/showings/{sid}/seats"))[label] != "booked":
                assert time.monotonic() - committed < 0.1, f"{label} still shows available 100 ms after the commit"
                await asyncio.sleep(0.002)


async def test_a_read_known_by_its_request_line_skips_the_route_and_still_sees_changes(
    app: FastAPI, client: httpx.AsyncClient, world: World, auth: Headers
) -> None:
    from lynriescoop.entrypoints.http.middleware import REQUESTS

    await wait_until_cache_live(app)
    cache = app.state.container.response_cache()
    sid = world.showing.id
    path = f"/showings/{sid}/seats"
    counted = REQUESTS.labels("GET", "/showings/{showing_id}/seats", "200")
    routes: list[object] = []
    original = cache.answer_known

    def watched(scope: dict[str, object]) -> object:
        answer = original(scope)  # type: ignore[arg-type]
        if answer is not None:
            routes.append(scope["route"])
        return answer

    cache.answer_known = watched

    async def known_read(headers: dict[str, str]) -> httpx.Response:
        """Reads until one is answered by its request line: a notification of the fixture's or the booking's own
        commit may still arrive after a read and make its entry stale once (the next read rebuilds it)."""
        answered = len(routes)
        for _ in range(100):
            response = await client.get(path, headers=headers)
            if len(routes) > answered:
                return response
            await asyncio.sleep(0.01)
        raise AssertionError("no read was answered by its request line")

    first = await client.get(path)
    before = counted._value.get()
    hits = cache.hits
    second = await known_read({"X-Request-ID": "known-line-1"})
    assert second.content == first.content and second.headers["etag"] == first.headers["etag"]
    assert cache.hits > hits and len(routes) == 1
    assert routes[0] is not None and getattr(routes[0], "path", None) == "/showings/{showing_id}/seats"
    assert second.headers["x-request-id"] == "known-line-1"  # through every other middleware
    assert second.headers["x-content-type-options"] == "nosniff"
    assert counted._value.get() > before  # counted under its route, as from the route

    booked = await client.post(
        "/bookings",
        json={"showing_id": str(sid), "seat_ids": [str(world.seat("A1").id), str(world.seat("A2").id)]},
        headers=auth("ann"),
    )
    assert booked.status_code == 201, booked.text
    answered = len(routes)
    after = await client.get(path)
    assert statuses(after)["A1"] == "held" and len(routes) == answered  # stale at once: the route rebuilt it
    again = await known_read({"If-None-Match": after.headers["etag"]})
    assert again.status_code == 304

    for _ in range(2):  # a request line that fails validation is never known
        assert (await client.get("/showings?limit=0")).status_code == 422
