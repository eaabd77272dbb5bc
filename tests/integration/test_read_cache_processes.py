"""The read cache across real processes (API.md §1 caching): two ``lynriescoop serve`` processes on one database.

A seat booked through one process shows as taken in the other's seat map, showing page and list within 100 ms,
however warm that process's cache was; and no read ever shows a booked seat ``available`` for longer.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
from sqlalchemy.ext.asyncio import create_async_engine

from lynriescoop.adapters.security.jwt_tokens import JwtTokenService
from tests.delivery_support import eventually, unique_prefix
from tests.factories import build_world, make_user, put_in_postgres
from tests.servers import ServeProcess, service_env

pytestmark = [pytest.mark.postgres, pytest.mark.mqtt]

SECRET = "read-cache-processes-" + "c" * 32
STARTUP = 60.0  # seconds: guards against hanging, never a measured expectation
BOUND = 0.1  # the contract: other processes' reads show a change within 100 ms


@pytest.fixture
def processes(fresh_database: str, mqtt_url: str, tmp_path: Path) -> Iterator[tuple[ServeProcess, ServeProcess]]:
    common = service_env() | {
        "ENVIRONMENT": "development",
        "SEED_ON_START": "false",
        "DATABASE_URL": fresh_database,
        "JWT_SECRET": SECRET,
        "LOG_LEVEL": "WARNING",
        "MQTT_URL": mqtt_url,
        "MQTT_TOPIC_PREFIX": unique_prefix(),
    }
    first, second = (
        ServeProcess(
            name,
            common | {"DATA_DIR": str(tmp_path / name), "MAIL_DIR": str(tmp_path / name / "mail")},
            tmp_path / name,
        )
        for name in ("first", "second")
    )
    try:
        yield first, second
    finally:
        codes = (first.stop(), second.stop())
    assert codes == (0, 0)


def taken(seat_map: dict[str, object], label: str) -> bool:
    seats = seat_map["seats"]
    assert isinstance(seats, list)
    return next(s for s in seats if s["label"] == label)["status"] != "available"


async def test_a_booking_in_one_process_shows_in_the_others_cached_reads_within_100_ms(
    processes: tuple[ServeProcess, ServeProcess], fresh_database: str
) -> None:
    first, second = processes
    async with httpx.AsyncClient(timeout=30) as http:
        await asyncio.gather(first.wait_ready(http, STARTUP), second.wait_ready(http, STARTUP))
        world = build_world(rows=3, per_row=10)
        world.users = {"ann": make_user("ann@example.com")}
        engine = create_async_engine(fresh_database)
        try:
            await put_in_postgres(engine, world)
        finally:
            await engine.dispose()
        user = world.users["ann"]
        tokens = JwtTokenService(SECRET, issuer="lynriescoop", access_minutes=15)
        headers = {"Authorization": f"Bearer {tokens.issue_access(user.id, user.role, datetime.now(UTC)).token}"}
        sid = world.showing.id
        seat_map_url, showing_url = f"{second.base_url}/showings/{sid}/seats", f"{second.base_url}/showings/{sid}"

        # The tables were filled behind the services' backs: wait until the second one reads them (its cache may
        # hold an empty answer until then only if it had been asked, and it was not).
        await eventually(lambda: _status_ok(http, seat_map_url), "the second process serves the seat map", STARTUP)
        delays = []
        for label in ("A1", "B5", "C10"):
            warm = (await http.get(seat_map_url)).json()
            assert not taken(warm, label)
            available_before = (await http.get(showing_url)).json()["available_seats"]
            etag = (await http.get(seat_map_url)).headers["etag"]
            assert (await http.get(seat_map_url, headers={"If-None-Match": etag})).status_code == 304  # from memory
            booked = await http.post(
                f"{first.base_url}/bookings",
                json={"showing_id": str(sid), "seat_ids": [str(world.seat(label).id)], "confirm": True},
                headers=headers,
            )
            assert booked.status_code == 201, booked.text
            answered = time.monotonic()
            while True:
                # When the read is sent counts (on a loaded machine the answer itself may take a while).
                sent = time.monotonic() - answered
                seat_map = (await http.get(seat_map_url)).json()
                if taken(seat_map, label):
                    break
                assert sent < BOUND, f"a read sent {sent * 1000:.0f} ms after the 201 still shows {label} available"
            delays.append(sent)
            assert (await http.get(showing_url)).json()["available_seats"] == available_before - 1
        assert max(delays) < BOUND


async def _status_ok(http: httpx.AsyncClient, url: str) -> bool:
    return (await http.get(url)).status_code == 200
