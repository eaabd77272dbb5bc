"""Parts of the world failing under a running service (a real uvicorn server in this process).

* The database stops and starts again during traffic: requests fail fast with 503 ``database_unavailable`` (never a
  hang, never a 500 with a trace), ``/readyz`` says 503, and the service recovers by itself: bookings, the hold
  sweeper and the outbox relay all work again. The database is a PostgreSQL of this test's own (an embedded
  pgserver in a temporary directory), never the machine's shared one.
* The broker and the mail server are down while customers book: bookings go on, and the seat updates and the
  confirmation email arrive once they are back. (The relay-level detail, ordering and retry counts, is proven in
  ``test_outbox_relay.py::test_rows_wait_while_the_broker_is_down_and_all_arrive_in_order_after`` and
  ``test_email_delivery.py::test_a_server_that_is_down_is_retried_and_a_booking_never_waits_for_it``; this is the
  same promise seen from the HTTP API.)
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import uuid
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import aiomqtt
import httpx
import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from lynriescoop.adapters.embedded.postgres import EmbeddedPostgres
from lynriescoop.adapters.mqtt.client import MqttTarget
from lynriescoop.adapters.postgres import tables as t
from lynriescoop.adapters.postgres.migrations import upgrade
from lynriescoop.settings import Settings
from tests.delivery_support import SmtpRecorder, TcpGate, collect, eventually
from tests.factories import World, build_world, lapsed_holds, make_user, put_in_postgres
from tests.servers import RunningServer, serve
from tests.support import free_port, run_blocking

pytestmark = [pytest.mark.postgres, pytest.mark.mqtt]

SECRET = "outage-secret-" + "o" * 32
REQUEST_GUARD = 10.0  # seconds per request while the database is down: a hang guard, not a measured expectation
CUSTOMERS = [f"customer{i}" for i in range(20)]
LEAKS = ("Traceback", "sqlalchemy", "asyncpg", "SELECT ", 'File "')


@pytest.fixture
def own_postgres(tmp_path: Path) -> Iterator[EmbeddedPostgres]:
    """A PostgreSQL this test may stop: an embedded server under tmp_path, migrated to head."""
    server = EmbeddedPostgres(tmp_path / "pg", database="outage")
    url = server.start()
    try:
        run_blocking(lambda: upgrade(url))
        yield server
    finally:
        server.stop()


@pytest.fixture
async def own_engine(own_postgres: EmbeddedPostgres) -> AsyncIterator[AsyncEngine]:
    engine = create_async_engine(own_postgres.url("outage"), pool_pre_ping=True)
    yield engine
    await engine.dispose()


def settings_for(database_url: str, tmp_path: Path, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "database_url": database_url,
        "data_dir": tmp_path,
        "mail_dir": tmp_path / "mail",
        "jwt_secret": SECRET,
        "seed_on_start": False,
        "log_level": "CRITICAL",
        "hold_sweep_seconds": 0.5,
    }
    return Settings(_env_file=None, **(values | overrides))


def bearer(server: RunningServer, world: World, name: str) -> dict[str, str]:
    user = world.users[name]
    token = server.app.state.container.token_service().issue_access(user.id, user.role, datetime.now(UTC)).token
    return {"Authorization": f"Bearer {token}"}


def booking_body(world: World, label: str, **extra: Any) -> dict[str, Any]:
    return {"showing_id": str(world.showing.id), "seat_ids": [str(world.seat(label).id)], **extra}


async def mqtt_booking_request(mqtt_url: str, prefix: str, access_token: str, world: World, label: str) -> Any:
    """Publishes one ``booking/request`` and returns the body of its ``booking/response``."""
    request_id = f"req-{uuid.uuid4().hex[:8]}"
    body = {"request_id": request_id, "access_token": access_token, **booking_body(world, label)}
    target = MqttTarget.parse(mqtt_url)
    async with collect(mqtt_url, f"{prefix}booking/response/{request_id}") as seen:
        async with aiomqtt.Client(target.host, target.port) as client:
            await client.publish(f"{prefix}booking/request", json.dumps(body).encode(), qos=1)
        [answer] = await seen.wait_for(1)
    return answer.json()


def assert_clean(response: httpx.Response) -> None:
    for leak in LEAKS:
        assert leak not in response.text, response.text


async def status_of(engine: AsyncEngine, booking_id: uuid.UUID) -> str:
    async with engine.connect() as conn:
        return str((await conn.execute(select(t.bookings.c.status).where(t.bookings.c.id == booking_id))).scalar_one())


async def test_the_database_stops_and_starts_again_during_traffic(
    own_postgres: EmbeddedPostgres, own_engine: AsyncEngine, mqtt_url: str, prefix: str, tmp_path: Path
) -> None:
    world = build_world(rows=5, per_row=10)
    world.users = {name: make_user(f"{name}@example.com") for name in ["ann", "bob", *CUSTOMERS]}
    await put_in_postgres(own_engine, world)
    # The defaults under test: DB_TIMEOUT_SECONDS (connect and pool wait), pool_pre_ping.
    # SINGLE_SEAT_RULE off: bookings refused during the outage leave single seats behind, which is not under test.
    settings = settings_for(
        own_postgres.url("outage"), tmp_path, mqtt_url=mqtt_url, mqtt_topic_prefix=prefix, single_seat_rule=False
    )
    seats = itertools.cycle(str(seat.label) for seat in world.room.seats)
    traffic: list[tuple[str, httpx.Response]] = []  # (the phase the request started in, its answer)
    phase = "up"
    stop_traffic = asyncio.Event()

    async with (
        serve(settings) as server,
        httpx.AsyncClient(base_url=server.base_url, timeout=60) as http,
        collect(mqtt_url, f"{prefix}seats/status/#") as seen,
    ):
        ann = bearer(server, world, "ann")
        customers_in_turn = itertools.cycle([bearer(server, world, name) for name in CUSTOMERS])

        async def customers() -> None:
            """Steady traffic the whole time: seat maps and one-seat bookings."""
            while not stop_traffic.is_set():
                for path, body in ((f"/showings/{world.showing.id}/seats", None), ("/bookings", next(seats))):
                    started_in = phase
                    if body is None:
                        request = http.get(path)
                    else:
                        headers = next(customers_in_turn)  # many customers: nobody reaches MAX_SEATS_PER_BOOKING
                        request = http.post(path, json=booking_body(world, body, confirm=True), headers=headers)
                    traffic.append((started_in, await asyncio.wait_for(request, REQUEST_GUARD)))
                await asyncio.sleep(0.05)

        before = await http.post("/bookings", json=booking_body(world, "E10", confirm=True), headers=ann)
        assert before.status_code == 201, before.text
        runner = asyncio.create_task(customers())
        try:
            await asyncio.sleep(0.3)
            phase = "stopping"
            await asyncio.to_thread(own_postgres.stop)
            phase = "down"

            for method, path, body in (
                ("GET", "/showings", None),
                ("GET", f"/showings/{world.showing.id}", None),
                ("GET", f"/showings/{world.showing.id}/seats", None),
                ("GET", "/bookings", None),
                ("GET", "/auth/me", None),
                ("POST", "/bookings", booking_body(world, "E9")),
                ("GET", "/movies", None),
            ):
                response = await asyncio.wait_for(http.request(method, path, json=body, headers=ann), REQUEST_GUARD)
                assert response.status_code == 503, f"{method} {path}: {response.status_code} {response.text}"
                assert response.headers["content-type"] == "application/problem+json"
                assert response.json()["code"] == "database_unavailable"
                assert int(response.headers["retry-after"]) >= 1
                assert_clean(response)
            # MQTT answers the same outage with the same code (the unit of work raises DatabaseUnavailable).
            answer = await asyncio.wait_for(
                mqtt_booking_request(mqtt_url, prefix, ann["Authorization"].removeprefix("Bearer "), world, "E7"),
                REQUEST_GUARD,
            )
            assert answer["ok"] is False and answer["error"]["code"] == "database_unavailable", answer
            ready = await asyncio.wait_for(http.get("/readyz"), REQUEST_GUARD)
            assert ready.status_code == 503 and ready.json()["database"] == "down"
            assert (await http.get("/healthz")).status_code == 200
            await eventually(lambda: sum(p == "down" for p, _ in traffic) >= 4, "traffic while the database is down")

            phase = "starting"
            await asyncio.to_thread(own_postgres.start)

            async def ready_again() -> bool:
                return (await http.get("/readyz")).status_code == 200

            await eventually(ready_again, "/readyz is 200 again", timeout=30)
            phase = "recovered"
            after = await http.post("/bookings", json=booking_body(world, "E8", confirm=True), headers=ann)
            assert after.status_code == 201, after.text
            await eventually(lambda: sum(p == "recovered" for p, _ in traffic) >= 4, "traffic after the recovery")
        finally:
            stop_traffic.set()
            await runner

        by_phase: dict[str, set[int]] = {}
        for started_in, response in traffic:
            by_phase.setdefault(started_in, set()).add(response.status_code)
            assert_clean(response)
            if response.status_code == 503:
                assert response.json()["code"] == "database_unavailable"
        assert by_phase["down"] == {503}, by_phase  # fails fast, every time
        assert by_phase["recovered"] <= {200, 201, 409}, by_phase  # recovered by itself
        assert all(codes <= {200, 201, 409, 503} for codes in by_phase.values()), by_phase  # never a 500

        # The background work came back by itself too: the sweeper expires a lapsed hold, the relay publishes.
        [lapsed] = await lapsed_holds(own_engine, world, "bob", ["D1"])
        await eventually(lambda: _is(own_engine, lapsed, "expired"), "the sweeper expires the lapsed hold", 30)
        booked_after = after.json()["id"]
        await eventually(
            lambda: any(booked_after in m.payload.decode() or m.json()["reason"] == "booked" for m in seen.messages),
            "seat updates are published after the recovery",
            30,
        )

        async def outbox_drained() -> bool:
            async with own_engine.connect() as conn:
                pending = await conn.execute(select(t.outbox.c.id).where(t.outbox.c.status != "sent"))
                return not pending.all()

        await eventually(outbox_drained, "every outbox row is sent, those from before the outage too", 30)


async def _is(engine: AsyncEngine, booking_id: uuid.UUID, status: str) -> bool:
    return await status_of(engine, booking_id) == status


@contextlib.contextmanager
def smtp_on(port: int, recorder: SmtpRecorder) -> Iterator[Controller]:
    controller = Controller(recorder, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield controller
    finally:
        controller.stop()


async def test_bookings_go_on_while_broker_and_mail_are_down_and_everything_arrives_after(
    clean_db: AsyncEngine, database_url: str, mqtt_url: str, prefix: str, tmp_path: Path
) -> None:
    world = build_world(rows=2, per_row=6)
    world.users = {"ann": make_user("ann@example.com"), "bob": make_user("bob@example.com")}
    await put_in_postgres(clean_db, world)
    target = MqttTarget.parse(mqtt_url)
    gate = TcpGate(target.host, target.port)  # closed: the broker is unreachable at the app's MQTT_URL
    smtp_port = free_port()  # nothing listens there yet: the mail server is down
    settings = settings_for(
        database_url,
        tmp_path,
        mqtt_url=gate.url,
        mqtt_topic_prefix=prefix,
        smtp_host="127.0.0.1",
        smtp_port=smtp_port,
        smtp_timeout_seconds=2,
    )
    recorder = SmtpRecorder()
    try:
        async with (
            serve(settings) as server,
            httpx.AsyncClient(base_url=server.base_url, timeout=30) as http,
            collect(mqtt_url, f"{prefix}seats/status/#", f"{prefix}booking/confirm/#") as seen,
        ):
            container = server.app.state.container
            booked = []
            for label in ("A1", "A2", "B1"):
                response = await http.post(
                    "/bookings", json=booking_body(world, label, confirm=True), headers=bearer(server, world, "ann")
                )
                assert response.status_code == 201, response.text  # bookings go on
                booked.append(response.json())
            ready = (await http.get("/readyz")).json()
            assert ready["database"] == "ok" and ready["mqtt"] == "down"

            async def email_attempted() -> bool:
                async with clean_db.connect() as conn:
                    rows = await conn.execute(select(t.outbox.c.attempts).where(t.outbox.c.channel == "email"))
                    return any(attempts >= 1 for (attempts,) in rows)

            await eventually(email_attempted, "a first email attempt fails", 30)
            assert not container.mqtt_client().connected
            assert seen.messages == [] and recorder.messages == []

            await gate.open()  # the broker is back
            with smtp_on(smtp_port, recorder):  # and so is the mail server
                statuses = await seen.wait_for(3, f"{prefix}booking/confirm/")
                assert {m.json()["booking_id"] for m in statuses} == {b["id"] for b in booked}
                await eventually(lambda: len(recorder.messages) == 3, "the three confirmation emails arrive", 30)
            subjects = sorted(str(m["Subject"]) for m in recorder.messages)
            assert all(s.startswith("Booking confirmed") for s in subjects)
            assert {b["booking_number"] for b in booked} == {s.split(" – ")[1] for s in subjects}
    finally:
        await gate.close()
