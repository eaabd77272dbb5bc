"""Two managers schedule overlapping showings into one room at the same moment, through two app instances
(two connection pools, like two server processes) on the real PostgreSQL: exactly one wins."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import timedelta

import httpx
import pytest
from asgi_lifespan import LifespanManager
from fastapi import FastAPI

from lynriescoop.entrypoints.http.app import create_app
from tests.e2e.catalogue_helpers import add_movie, create_room, future, manager_headers, schedule
from tests.e2e.conftest import SettingsFactory


@pytest.fixture
async def second_client(app: FastAPI, make_settings: SettingsFactory) -> AsyncIterator[httpx.AsyncClient]:
    other = create_app(make_settings())
    async with LifespanManager(other, startup_timeout=30, shutdown_timeout=30):
        transport = httpx.ASGITransport(app=other)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
            yield http


async def test_exactly_one_of_two_overlapping_showings_is_scheduled(
    app: FastAPI, client: httpx.AsyncClient, second_client: httpx.AsyncClient
) -> None:
    headers = await manager_headers(app, client)
    room = await create_room(client, headers)
    movie = await add_movie(app, runtime=90)
    for round_ in range(5):
        start = future(24 + 6 * round_)
        first, second = await asyncio.gather(
            schedule(client, headers, movie.id, room["id"], start),
            schedule(second_client, headers, movie.id, room["id"], start + timedelta(minutes=30)),
        )
        assert sorted([first.status_code, second.status_code]) == [201, 409], (first.text, second.text)
        loser = first if first.status_code == 409 else second
        assert loser.json()["code"] == "showing_overlap"
    listed = (await client.get("/showings", params={"room_id": room["id"], "limit": 100})).json()
    assert listed["total"] == 5
    starts = sorted(s["start_time"] for s in listed["items"])
    assert len(set(starts)) == 5
