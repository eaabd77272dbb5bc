"""Best available under a rush (API.md §6): 200 parties of two race for a 100-seat room through two app instances
sharing one PostgreSQL. Every answer is a 201 with two neighbouring seats of one row or a 409 ``no_adjacent_seats``,
nothing answers 5xx, no seat is held twice, and a 409 is honest: when the rush is over no row has two free
neighbours left."""

from __future__ import annotations

import asyncio
import uuid
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

import httpx
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from lynriescoop.settings import Settings
from tests.factories import build_world, make_user, put_in_postgres
from tests.servers import instance_settings, serve

CALLERS = 200


def _settings(database_url: str, tmp_path: Path, name: str) -> Settings:
    return instance_settings(
        database_url,
        tmp_path,
        name,
        jwt_secret="best-available-secret-" + "x" * 40,
        # Every caller queues on the showing's row lock anyway: a small pool (5 + 10 overflow per instance) serves
        # them as fast as a big one, and leaves room on a PostgreSQL server that other test runs share.
        db_pool_size=5,
        db_pool_timeout_seconds=90,
    )


async def test_two_hundred_parties_of_two_in_a_hundred_seat_room(
    clean_db: AsyncEngine, database_url: str, tmp_path: Path
) -> None:
    world = build_world(rows=10, per_row=10)
    users = [make_user(f"party{i}@example.com") for i in range(CALLERS)]
    world.users = {u.email.value: u for u in users}
    await put_in_postgres(clean_db, world)
    path = f"/showings/{world.showing.id}/best-available"

    async with (
        serve(_settings(database_url, tmp_path, "a")) as server_a,
        serve(_settings(database_url, tmp_path, "b")) as server_b,
    ):
        tokens = server_a.app.state.container.token_service()
        limits = httpx.Limits(max_connections=CALLERS, max_keepalive_connections=CALLERS)
        async with (
            httpx.AsyncClient(base_url=server_a.base_url, limits=limits, timeout=120) as client_a,
            httpx.AsyncClient(base_url=server_b.base_url, limits=limits, timeout=120) as client_b,
        ):
            start = asyncio.Event()

            async def attempt(index: int) -> httpx.Response:
                user = users[index]
                token = tokens.issue_access(user.id, user.role, datetime.now(UTC)).token
                client = client_a if index % 2 else client_b
                await start.wait()
                return await client.post(
                    path, json={"count": 2, "confirm": index % 3 == 0}, headers={"Authorization": f"Bearer {token}"}
                )

            tasks = [asyncio.create_task(attempt(i)) for i in range(CALLERS)]
            await asyncio.sleep(0.05)
            start.set()
            answers = await asyncio.gather(*tasks)
        # A fresh connection: a pooled one may have idled past the server's keep-alive while the rush ran.
        async with httpx.AsyncClient(base_url=server_a.base_url, timeout=60) as fresh:
            seat_map = (await fresh.get(f"/showings/{world.showing.id}/seats")).json()

    statuses = Counter(r.status_code for r in answers)
    assert set(statuses) <= {201, 409}, {r.status_code: r.text for r in answers if r.status_code not in (201, 409)}
    numbers = {s.id: (s.row, s.number) for s in world.room.seats}
    sold: list[str] = []
    for response in answers:
        body = response.json()
        if response.status_code == 409:
            assert body["code"] == "no_adjacent_seats" and isinstance(body["available_seats"], int), body
            continue
        places = sorted(numbers[uuid.UUID(s["seat_id"])] for s in body["seats"])
        assert len(places) == 2 and places[0][0] == places[1][0] and places[1][1] == places[0][1] + 1, places
        sold += [s["seat_id"] for s in body["seats"]]
    assert len(sold) == len(set(sold)), "a seat was given twice"
    # 10 rows of 10, filled from the middle out ([ ][ ][ ][ ][x][x][ ][ ][ ][ ] first): five pairs fit in every row.
    assert statuses[201] == 50, statuses

    async with clean_db.connect() as conn:
        live = (
            await conn.execute(
                text(
                    "SELECT seat_id::text, count(*) FROM seat_reservations r JOIN bookings b ON b.id = r.booking_id "
                    "WHERE r.is_live AND b.status IN ('pending', 'confirmed') GROUP BY seat_id"
                )
            )
        ).all()
    assert all(count == 1 for _, count in live)
    assert {seat for seat, _ in live} == set(sold)

    # The 409s were honest: no two free neighbours are left in any row.
    free = {(s["row"], s["number"]) for s in seat_map["seats"] if s["status"] == "available"}
    assert not any((row, number + 1) in free for row, number in free), sorted(free)
    assert all(r.json()["available_seats"] >= len(free) for r in answers if r.status_code == 409)
