"""``lynriescoop seed`` lays down three rooms and a week of showings; running it twice changes nothing."""

from __future__ import annotations

from collections import Counter
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import httpx
from fastapi import FastAPI
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from lynriescoop.adapters.postgres import tables as t
from lynriescoop.entrypoints.seed import seed_demo_data
from tests.e2e.conftest import SettingsFactory


async def _counts(engine: AsyncEngine) -> tuple[int, int, int]:
    async with engine.connect() as conn:
        rooms = (await conn.execute(select(func.count()).select_from(t.rooms))).scalar_one()
        seats = (await conn.execute(select(func.count()).select_from(t.seats))).scalar_one()
        showings = (await conn.execute(select(func.count()).select_from(t.showings))).scalar_one()
    return rooms, seats, showings


async def test_seed_twice_then_browse_the_week(
    app: FastAPI, client: httpx.AsyncClient, clean_db: AsyncEngine, make_settings: SettingsFactory
) -> None:
    settings = make_settings()
    await seed_demo_data(settings, quiet=True)
    first = await _counts(clean_db)
    await seed_demo_data(settings, quiet=True)
    assert await _counts(clean_db) == first
    rooms, seats, showings = first
    assert (rooms, seats) == (3, 120 + 180 + 250)
    assert showings >= 3 * 3 * 6  # today's past slots are skipped

    listed = (await client.get("/rooms")).json()
    assert sorted(r["capacity"] for r in listed["items"]) == [120, 180, 250]
    assert sum(r["has_imax"] for r in listed["items"]) == 1
    assert sum(r["has_3d"] and r["has_dolby"] for r in listed["items"]) == 1

    tomorrow = (datetime.now(ZoneInfo(settings.cinema_timezone)) + timedelta(days=1)).date()
    day = (await client.get("/showings", params={"date": tomorrow.isoformat(), "limit": 100})).json()
    assert day["total"] == 9
    assert Counter(s["room"]["name"] for s in day["items"]) == Counter({"Aurora": 3, "Borealis": 3, "Cosmos IMAX": 3})
    for showing in day["items"]:
        assert showing["available_seats"] == showing["capacity"] and showing["currency"] == "EUR"
    seat_map = (await client.get(f"/showings/{day['items'][0]['id']}/seats")).json()
    assert len(seat_map["seats"]) in (120, 180, 250)
    assert {s["status"] for s in seat_map["seats"]} == {"available"}
    categories = Counter(s["category"] for s in seat_map["seats"])
    assert categories["premium"] > 0 and categories["wheelchair"] >= 2
