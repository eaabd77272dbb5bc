"""Two real ``lynriescoop serve`` processes on one fresh database and one broker, under concurrent booking traffic
spread over both (API.md §6 "whatever the number of server processes", §8 "several service processes").

* No seat is ever held or booked twice (checked in the database and in the answers).
* Every outbox row is delivered: all rows end ``sent``, and the subscriber receives exactly as many ``seats/status``
  and ``booking/confirm`` messages as there are rows, with the seat versions of each showing consecutive.
* The two sweepers (and the booking requests that free lapsed seats themselves) do not fight: holds that have
  already lapsed, written straight into the tables while traffic runs, are each expired exactly once.
"""

from __future__ import annotations

import asyncio
import random
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import aiomqtt
import httpx
import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from lynriescoop.adapters.mqtt.client import MqttTarget
from lynriescoop.adapters.postgres import tables as t
from lynriescoop.adapters.security.jwt_tokens import JwtTokenService
from tests.delivery_support import collect, eventually
from tests.factories import World, build_world, lapsed_holds, make_user, put_in_postgres
from tests.servers import ServeProcess, service_env

pytestmark = [pytest.mark.postgres, pytest.mark.mqtt]

SECRET = "two-processes-secret-" + "p" * 32
REQUESTS = 300
CUSTOMERS = [f"customer{i}" for i in range(12)]
# Seats kept out of the random traffic, each wanted at once by every duelist through both processes: exactly one
# wins each, the others hear ``seats_unavailable``. Duelists take one seat per duel, far below the per-user limit.
DUEL_SEATS = 3
DUELISTS = [f"duelist{i}" for i in range(4)]
STARTUP = 60.0  # seconds: guards against hanging, never a measured expectation
DRAIN = 30.0


@pytest.fixture
def services(fresh_database: str, mqtt_url: str, prefix: str, tmp_path: Path) -> Iterator[list[ServeProcess]]:
    common = service_env() | {
        "ENVIRONMENT": "development",
        "SEED_ON_START": "false",
        "DATABASE_URL": fresh_database,
        "MQTT_URL": mqtt_url,
        "MQTT_TOPIC_PREFIX": prefix,
        "JWT_SECRET": SECRET,
        "HOLD_SWEEP_SECONDS": "0.5",
        "SINGLE_SEAT_RULE": "false",  # random seats on purpose: this test is about the referee and the outbox
        "LOG_LEVEL": "WARNING",
    }
    started = [
        ServeProcess(
            name,
            common | {"DATA_DIR": str(tmp_path / name), "MAIL_DIR": str(tmp_path / name / "mail")},
            tmp_path / name,
        )
        for name in ("first", "second")
    ]
    try:
        yield started
    finally:
        codes = {service.name: service.stop() for service in started}
    assert codes == {"first": 0, "second": 0}, {s.name: s.output() for s in started}


@dataclass(frozen=True, slots=True)
class Plan:
    """One customer request of the random traffic, drawn before any of them runs."""

    customer: str
    labels: tuple[str, ...]
    confirm: bool
    cancel: bool  # the customer changes their mind (on the other process) if the booking is made


def draw_plans(labels: list[str]) -> list[Plan]:
    """Drawn up front and in order from one seeded generator: the same requests every run, whatever order the
    concurrent tasks then run in (a generator shared by the tasks would hand out draws in scheduling order)."""
    rng = random.Random(5)
    return [
        Plan(
            customer=rng.choice(CUSTOMERS),
            labels=tuple(rng.sample(labels, rng.randint(1, 3))),
            confirm=rng.random() < 0.5,
            cancel=rng.random() < 0.2,
        )
        for _ in range(REQUESTS)
    ]


def token(tokens: JwtTokenService, world: World, name: str) -> dict[str, str]:
    user = world.users[name]
    return {"Authorization": f"Bearer {tokens.issue_access(user.id, user.role, datetime.now(UTC)).token}"}


async def test_two_processes_share_one_database_without_double_booking_or_lost_events(
    services: list[ServeProcess], fresh_database: str, mqtt_url: str, prefix: str
) -> None:
    engine = create_async_engine(fresh_database, pool_size=5)
    try:
        await _exercise(services, engine, mqtt_url, prefix)
    finally:
        await engine.dispose()


async def _exercise(services: list[ServeProcess], engine: AsyncEngine, mqtt_url: str, prefix: str) -> None:
    async with httpx.AsyncClient(timeout=30) as http:
        await asyncio.gather(
            *(service.wait_ready(http, STARTUP) for service in services)
        )  # both migrated the same database

        busy = build_world(rows=6, per_row=10)  # the showing everyone books
        quiet = build_world(rows=2, per_row=10)  # a showing only lapsed holds live on
        busy.users = {name: make_user(f"{name}@example.com") for name in [*CUSTOMERS, *DUELISTS]}
        await put_in_postgres(engine, busy)
        await put_in_postgres(engine, quiet)
        quiet.users = busy.users
        tokens = JwtTokenService(SECRET, issuer="lynriescoop", access_minutes=15)
        labels = [str(seat.label) for seat in busy.room.seats]
        duel_labels, traffic_labels = labels[:DUEL_SEATS], labels[DUEL_SEATS:]
        plans = draw_plans(traffic_labels)

        async with collect(
            mqtt_url, f"{prefix}seats/status/#", f"{prefix}booking/confirm/#", f"{prefix}marker/#"
        ) as seen:
            slots = asyncio.Semaphore(24)

            async def book(i: int, customer: str, seat_labels: tuple[str, ...], confirm: bool) -> httpx.Response:
                service = services[i % 2]
                body = {
                    "showing_id": str(busy.showing.id),
                    "seat_ids": [str(busy.seat(label).id) for label in seat_labels],
                    "confirm": confirm,
                }
                async with slots:
                    return await http.post(
                        f"{service.base_url}/bookings", json=body, headers=token(tokens, busy, customer)
                    )

            async def one_booking(i: int) -> httpx.Response:
                plan = plans[i]
                response = await book(i, plan.customer, plan.labels, plan.confirm)
                if response.status_code == 201 and plan.cancel:
                    booking = response.json()
                    other = services[(i + 1) % 2]  # ... on the other process
                    async with slots:
                        cancel = await http.post(
                            f"{other.base_url}/bookings/{booking['id']}/cancel",
                            headers=token(tokens, busy, plan.customer),
                        )
                    assert cancel.status_code == 200, cancel.text
                return response

            async def duel(label: str) -> list[httpx.Response]:
                return list(await asyncio.gather(*(book(i, name, (label,), True) for i, name in enumerate(DUELISTS))))

            async def lapsing_waves() -> list[uuid.UUID]:
                """Lapsed holds arriving on the quiet showing while the traffic runs: only the sweepers free them."""
                ids: list[uuid.UUID] = []
                quiet_labels = [str(seat.label) for seat in quiet.room.seats]
                for wave in range(5):
                    ids += await lapsed_holds(engine, quiet, CUSTOMERS[0], quiet_labels[wave * 4 : wave * 4 + 4])
                    await asyncio.sleep(0.3)
                return ids

            # Lapsed holds on the busy showing too, written before the traffic wants their seats: a sweeper or a
            # booking that wants the seat (it frees lapsed holds in its own transaction) expires each, never both.
            lapsed = await lapsed_holds(engine, busy, CUSTOMERS[1], labels[-6:])
            waves, duels, *traffic = await asyncio.gather(
                lapsing_waves(),
                asyncio.gather(*(duel(label) for label in duel_labels)),
                *(one_booking(i) for i in range(REQUESTS)),
            )
            lapsed += waves

            # Each duelled seat: exactly one winner, every other duelist refused with that very seat.
            for label, duel_answers in zip(duel_labels, duels, strict=True):
                codes = sorted(r.status_code for r in duel_answers)
                assert codes == [201] + [409] * (len(DUELISTS) - 1), [r.text for r in duel_answers]
                for response in duel_answers:
                    if response.status_code == 409:
                        assert response.json()["code"] == "seats_unavailable"
                        assert response.json()["seat_ids"] == [str(busy.seat(label).id)]

            # The random traffic: a booking, a refusal naming seats that were asked for, or the per-user limit.
            for plan, response in zip(plans, traffic, strict=True):
                assert response.status_code in (201, 409, 422), response.text
                if response.status_code == 409:
                    assert response.json()["code"] == "seats_unavailable"
                    asked = {str(busy.seat(label).id) for label in plan.labels}
                    assert set(response.json()["seat_ids"]) <= asked
                if response.status_code == 422:
                    assert response.json()["code"] == "too_many_seats"
            answers: list[httpx.Response] = [*traffic, *(r for duel_answers in duels for r in duel_answers)]

            async def drained() -> bool:
                async with engine.connect() as conn:
                    expired = await conn.execute(
                        select(func.count()).where(t.bookings.c.id.in_(lapsed), t.bookings.c.status == "expired")
                    )
                    pending = await conn.execute(select(func.count()).where(t.outbox.c.status != "sent"))
                    return expired.scalar_one() == len(lapsed) and pending.scalar_one() == 0

            await eventually(drained, "every lapsed hold expired and every outbox row sent", DRAIN)
            async with engine.connect() as conn:
                rows = (await conn.execute(select(t.outbox.c.destination).where(t.outbox.c.channel == "mqtt"))).all()
            expected_status = sum(r.destination.startswith("seats/status/") for r in rows)
            expected_confirm = sum(r.destination.startswith("booking/confirm/") for r in rows)
            await seen.wait_for(expected_status, f"{prefix}seats/status/")
            await seen.wait_for(expected_confirm, f"{prefix}booking/confirm/")
            # Every row was acknowledged by the broker before it was marked sent (and all are sent); a marker
            # published now reaches this subscriber after all of them, so a duplicate would be in by then too.
            marker = uuid.uuid4().hex.encode()
            target = MqttTarget.parse(mqtt_url)
            async with aiomqtt.Client(target.host, target.port) as client:
                await client.publish(f"{prefix}marker/done", marker, qos=1)
            await eventually(lambda: any(m.payload == marker for m in seen.messages), "the marker arrives")
            deltas = seen.on(f"{prefix}seats/status/")
            confirms = seen.on(f"{prefix}booking/confirm/")

    # Every row delivered once: as many messages as rows.
    assert len(deltas) == expected_status and len(confirms) == expected_confirm

    # Seat versions per showing: 1, 2, 3, ... in arrival order, no gap, no repeat; the database agrees.
    versions: dict[str, list[int]] = {}
    for message in deltas:
        payload = message.json()
        versions.setdefault(payload["showing_id"], []).append(payload["version"])
    async with engine.connect() as conn:
        stored = dict((await conn.execute(select(t.showings.c.id, t.showings.c.seat_version))).all())
    for showing_id, seq in versions.items():
        assert seq == list(range(1, len(seq) + 1)), (showing_id, seq)
        assert stored[uuid.UUID(showing_id)] == len(seq)

    # The sweepers did not fight: each lapsed hold expired exactly once, announced once.
    expired_messages: dict[str, int] = {}
    for message in confirms:
        payload = message.json()
        if payload["status"] == "expired":
            expired_messages[payload["booking_id"]] = expired_messages.get(payload["booking_id"], 0) + 1
    assert expired_messages == {str(b): 1 for b in lapsed}

    # No double booking: live claims are distinct per seat, and so are the seats of the live bookings answered.
    async with engine.connect() as conn:
        live = (
            await conn.execute(
                select(t.seat_reservations.c.showing_id, t.seat_reservations.c.seat_id)
                .join(t.bookings, t.bookings.c.id == t.seat_reservations.c.booking_id)
                .where(t.bookings.c.status.in_(["pending", "confirmed"]))
            )
        ).all()
        final = dict((await conn.execute(select(t.bookings.c.id, t.bookings.c.status))).all())
    assert len(live) == len(set(live))
    answered: list[str] = []
    for response in answers:
        if response.status_code == 201 and final[uuid.UUID(response.json()["id"])] in ("pending", "confirmed"):
            answered += [seat["seat_id"] for seat in response.json()["seats"]]
    assert answered and len(answered) == len(set(answered))
    assert {str(seat_id) for showing_id, seat_id in live if showing_id == busy_id(answers)} >= set(answered)


def busy_id(answers: list[httpx.Response]) -> uuid.UUID:
    first: dict[str, Any] = next(r.json() for r in answers if r.status_code == 201)
    return uuid.UUID(first["showing"]["id"])
