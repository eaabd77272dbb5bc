"""A flood of bookings queued on one showing's row lock leaves the rest of the service answering (issue 13, item 7).

Bookings are admitted ``BOOKING_CONCURRENCY`` at a time per process; the others wait on a semaphore without a
database connection. So while one showing's row lock is held and a hundred bookings for it wait, requests that need
the database (``GET /auth/me``, ``GET /bookings``, a showing) still get a pooled connection at once,
instead of queueing for ``DB_POOL_TIMEOUT_SECONDS`` behind the flood. (Bookings of other showings do wait their
turn behind the admitted few: the gate is per process.)
"""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from lynriescoop.settings import Settings
from tests.factories import build_world, make_user, put_in_postgres
from tests.servers import serve

pytestmark = [pytest.mark.postgres]

FLOOD = 100
ANSWER_WITHIN = 5.0  # seconds; the pool would make a request wait DB_POOL_TIMEOUT_SECONDS (30) without the gate


async def test_a_flood_waiting_on_one_showing_leaves_other_routes_answering(
    clean_db: AsyncEngine, database_url: str, tmp_path: Path
) -> None:
    busy, quiet = build_world(rows=2, per_row=10), build_world(rows=2, per_row=10)
    users = [make_user(f"flood{i}@example.com") for i in range(FLOOD + 1)]
    busy.users = {u.email.value: u for u in users}
    quiet.users = {}
    await put_in_postgres(clean_db, busy)
    await put_in_postgres(clean_db, quiet)
    settings = Settings(
        _env_file=None,
        database_url=database_url,
        data_dir=tmp_path,
        mail_dir=tmp_path / "mail",
        jwt_secret="flood-secret-" + "x" * 40,
        seed_on_start=False,
        log_level="WARNING",
        db_pool_size=10,
    )
    async with serve(settings) as server:
        tokens = server.app.state.container.token_service()

        def auth(index: int) -> dict[str, str]:
            user = users[index]
            return {"Authorization": f"Bearer {tokens.issue_access(user.id, user.role, datetime.now(UTC)).token}"}

        limits = httpx.Limits(max_connections=FLOOD + 10)
        async with httpx.AsyncClient(base_url=server.base_url, limits=limits, timeout=60) as http:
            holder = await clean_db.connect()
            transaction = await holder.begin()
            try:
                # Someone holds the busy showing's row lock: every booking of it waits.
                await holder.execute(text("SELECT 1 FROM showings WHERE id = :id FOR UPDATE"), {"id": busy.showing.id})
                seat = str(busy.seat("A1").id)
                flood = [
                    asyncio.create_task(
                        http.post(
                            "/bookings",
                            json={"showing_id": str(busy.showing.id), "seat_ids": [seat]},
                            headers=auth(i),
                        )
                    )
                    for i in range(FLOOD)
                ]
                await asyncio.sleep(1.0)  # the flood has arrived and is waiting
                assert not any(task.done() for task in flood)

                started = time.monotonic()
                me = await http.get("/auth/me", headers=auth(FLOOD))
                mine = await http.get("/bookings", headers=auth(FLOOD))
                showing = await http.get(f"/showings/{quiet.showing.id}")
                elapsed = time.monotonic() - started
                assert (me.status_code, mine.status_code, showing.status_code) == (200, 200, 200)
                assert elapsed < ANSWER_WITHIN, f"other routes waited {elapsed:.1f} s behind the flood"
            finally:
                await transaction.rollback()
                await holder.close()
            answers = await asyncio.gather(*flood)
        statuses = sorted({a.status_code for a in answers})
        assert 500 not in statuses
        assert sum(a.status_code == 201 for a in answers) == 1  # one of them got the seat, the rest 409 (or 503)
