"""``booking/request`` under abuse, on a real broker and a real HTTP server (uvicorn in this process) with the MQTT
consumer running: requests without a valid token, a token replayed after logout, garbage, 1 MB payloads (dropped
unread and counted), retained requests (never replayed) and a flood of 1,000 requests. The consumer stays up,
answers every request it can address, and the REST API keeps answering while the flood runs."""

from __future__ import annotations

import asyncio
import json
import logging
import random
import time
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import aiomqtt
import httpx
import jwt
import pytest
from prometheus_client import REGISTRY
from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncEngine

from lynriescoop.adapters.mqtt.client import MqttTarget
from lynriescoop.adapters.postgres import tables as t
from lynriescoop.adapters.security.jwt_tokens import JwtTokenService
from lynriescoop.settings import Settings
from tests.delivery_support import MqttCollector, collect, eventually
from tests.factories import World, build_world, make_user, put_in_postgres
from tests.servers import RunningServer, serve

pytestmark = [pytest.mark.postgres, pytest.mark.mqtt]

SECRET = "mqtt-abuse-secret-" + "z" * 32
FLOOD = 1_000
GUARD = 60.0  # seconds: a guard against hanging, never a measured expectation


@pytest.fixture
async def world(clean_db: AsyncEngine) -> World:
    world = build_world(rows=4, per_row=10)
    world.users = {name: make_user(f"{name}@example.com") for name in ("ann", "bob", "cat")}
    await put_in_postgres(clean_db, world)
    return world


@pytest.fixture
async def server(
    world: World, database_url: str, mqtt_url: str, prefix: str, tmp_path: Path
) -> AsyncIterator[RunningServer]:
    settings = Settings(
        _env_file=None,
        database_url=database_url,
        mqtt_url=mqtt_url,
        mqtt_topic_prefix=prefix,
        data_dir=tmp_path,
        mail_dir=tmp_path / "mail",
        jwt_secret=SECRET,
        seed_on_start=False,
        log_level="CRITICAL",
    )
    async with serve(settings) as running:
        client = running.app.state.container.mqtt_client()
        await eventually(lambda: client.connected, "the app's MQTT client connects (and subscribes)")
        yield running


def token_for(server: RunningServer, world: World, name: str) -> str:
    user = world.users[name]
    issued = server.app.state.container.token_service().issue_access(user.id, user.role, datetime.now(UTC))
    return str(issued.token)


def request(world: World, token: str | None, request_id: str, *labels: str, **extra: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "request_id": request_id,
        "showing_id": str(world.showing.id),
        "seat_ids": [str(world.seat(label).id) for label in labels],
        **extra,
    }
    if token is not None:
        body["access_token"] = token
    return body


async def publish(mqtt_url: str, prefix: str, *payloads: bytes) -> None:
    target = MqttTarget.parse(mqtt_url)
    async with aiomqtt.Client(target.host, target.port, identifier=f"abuser-{uuid.uuid4().hex[:8]}") as client:
        for payload in payloads:
            await client.publish(f"{prefix}booking/request", payload, qos=1)


async def answers_to(seen: MqttCollector, prefix: str, request_ids: list[str]) -> dict[str, list[dict[str, Any]]]:
    """Waits until every request id has an answer; all answers by request id."""

    def by_id() -> dict[str, list[dict[str, Any]]]:
        grouped: dict[str, list[dict[str, Any]]] = {}
        for message in seen.on(f"{prefix}booking/response/"):
            grouped.setdefault(message.topic.rsplit("/", 1)[1], []).append(message.json())
        return grouped

    await eventually(lambda: set(request_ids) <= set(by_id()), f"answers to {len(request_ids)} requests", GUARD)
    return by_id()


async def ask(mqtt_url: str, prefix: str, body: dict[str, Any] | bytes) -> dict[str, Any]:
    request_id = body["request_id"] if isinstance(body, dict) else json.loads(body)["request_id"]
    payload = body if isinstance(body, bytes) else json.dumps(body).encode()
    async with collect(mqtt_url, f"{prefix}booking/response/{request_id}") as seen:
        await publish(mqtt_url, prefix, payload)
        answers = await answers_to(seen, prefix, [request_id])
    [answer] = answers[request_id]
    assert answer["request_id"] == request_id
    return answer


def dropped(reason: str) -> float:
    """``mqtt_incoming_dropped_total`` of this process (the app runs in it) for ``booking/request``."""
    value = REGISTRY.get_sample_value("mqtt_incoming_dropped_total", {"topic": "booking/request", "reason": reason})
    return value or 0.0


async def count(engine: AsyncEngine, table: Any) -> int:
    async with engine.connect() as conn:
        return int((await conn.execute(select(func.count()).select_from(table))).scalar_one())


async def test_requests_without_a_valid_token_are_answered_not_authenticated(
    server: RunningServer, world: World, mqtt_url: str, prefix: str, clean_db: AsyncEngine
) -> None:
    now = int(time.time())
    ann = world.users["ann"]
    claims = {"sub": str(ann.id), "role": "user", "iat": now, "jti": "j", "iss": "lynriescoop", "typ": "access"}
    unsigned = ".".join(
        part.rstrip("=")
        for part in (
            jwt.utils.base64url_encode(json.dumps({"alg": "none"}).encode()).decode(),
            jwt.utils.base64url_encode(json.dumps(claims | {"exp": now + 600}).encode()).decode(),
            "",
        )
    )
    async with clean_db.begin() as conn:
        await conn.execute(update(t.users).where(t.users.c.email == "cat@example.com").values(is_active=False))
    tokens: dict[str, Any] = {
        "none": None,
        "empty": "",
        "not a string": 12345,
        "garbage": "not-a-token",
        "wrong secret": jwt.encode(claims | {"exp": now + 600}, "another-secret-" + "q" * 32, algorithm="HS256"),
        "expired": jwt.encode(claims | {"exp": now - 120, "iat": now - 1000}, SECRET, algorithm="HS256"),
        "alg none": unsigned,
        "wrong issuer": jwt.encode(claims | {"exp": now + 600, "iss": "evil"}, SECRET, algorithm="HS256"),
        "disabled account": token_for(server, world, "cat"),
    }
    for name, token in tokens.items():
        request_id = f"noauth-{uuid.uuid4().hex[:8]}"
        body = request(world, None, request_id, "A1", confirm=True)
        if token is not None:
            body["access_token"] = token
        answer = await ask(mqtt_url, prefix, body)
        assert answer["ok"] is False and answer["error"]["code"] == "not_authenticated", (name, answer)
    assert await count(clean_db, t.bookings) == 0


async def test_an_access_token_replayed_after_logout_still_books_until_it_expires(
    server: RunningServer, world: World, mqtt_url: str, prefix: str
) -> None:
    """Documented in SECURITY.md: logging out revokes the refresh token; the access token is a signed JWT with no
    server-side session, so it stays valid until its ``exp`` (ACCESS_TOKEN_MINUTES, 15 by default)."""
    async with httpx.AsyncClient(base_url=server.base_url) as http:
        registered = await http.post(
            "/auth/register", json={"email": "dan@example.com", "name": "Dan", "password": "secret-pass-1"}
        )
        assert registered.status_code == 201, registered.text
        pair = registered.json()
        assert (await http.post("/auth/logout", json={"refresh_token": pair["refresh_token"]})).status_code == 204
        refreshed = await http.post("/auth/refresh", json={"refresh_token": pair["refresh_token"]})
        assert refreshed.status_code == 401  # the session is over ...
        me = await http.get("/auth/me", headers={"Authorization": f"Bearer {pair['access_token']}"})
        assert me.status_code == 200  # ... but the access token lives until it expires
    answer = await ask(mqtt_url, prefix, request(world, pair["access_token"], "after-logout", "B1"))
    assert answer["ok"] is True and answer["booking"]["user_id"] == pair["user"]["id"]
    issued = jwt.decode(pair["access_token"], options={"verify_signature": False})
    assert issued["exp"] - issued["iat"] == 15 * 60


async def test_garbage_and_oversized_payloads_never_stop_the_consumer(
    server: RunningServer,
    world: World,
    mqtt_url: str,
    prefix: str,
    clean_db: AsyncEngine,
    caplog: pytest.LogCaptureFixture,
) -> None:
    ann = token_for(server, world, "ann")
    garbage = [
        b"",
        b"\x00\xff\xfe garbage",
        b"\xc3\x28 invalid utf-8",
        b"[1, 2, 3]",
        b'"just a string"',
        b"null",
        b'{"request_id": "has spaces and !", "access_token": "x"}',
        b"[" * 200_000,  # nesting deeper than any JSON parser recurses
        b'{"request_id": "nested-1", "x": ' + b"[" * 200_000 + b"}",
        b"x" * (1024 * 1024 + 10),  # over the 1 MiB the handler even looks at: dropped unread
    ]
    one_mb = json.dumps(request(world, ann, "one-mb", "C1", padding="x" * 1_000_000)).encode()
    assert 1_000_000 < len(one_mb) < 1024 * 1024
    too_large_before = dropped("too_large")
    async with collect(mqtt_url, f"{prefix}booking/response/#") as seen:
        await publish(mqtt_url, prefix, *garbage, one_mb)
        after = await ask(mqtt_url, prefix, request(world, ann, "after-garbage", "C1", confirm=True))
        # Over MQTT_MAX_PAYLOAD_BYTES (16 KiB): dropped as it arrives, unread and unanswered, and counted.
        assert not seen.on(f"{prefix}booking/response/one-mb")
    assert dropped("too_large") - too_large_before == 4  # the two deep nests, the 1 MiB of x, the 1 MB request
    assert after["ok"] is True and after["booking"]["status"] == "confirmed"
    assert await count(clean_db, t.bookings) == 1
    # Every bad payload was refused on purpose (a warning), none reached the handler's catch-all (an error).
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR], [r.getMessage() for r in caplog.records]
    async with httpx.AsyncClient(base_url=server.base_url) as http:
        assert (await http.get("/healthz")).status_code == 200


async def test_a_flood_of_1000_requests_is_answered_while_the_rest_api_keeps_answering(
    server: RunningServer, world: World, mqtt_url: str, prefix: str, clean_db: AsyncEngine
) -> None:
    rng = random.Random(8)
    tokens = {name: token_for(server, world, name) for name in world.users}
    labels = [str(seat.label) for seat in world.room.seats]
    payloads: list[bytes] = []
    addressed: list[str] = []
    for i in range(FLOOD):
        request_id = f"flood-{i}"
        kind = i % 10
        if kind < 6:  # a real request: one or two seats, by one of three customers
            seats = rng.sample(labels, rng.randint(1, 2))
            body = request(world, tokens[rng.choice(list(tokens))], request_id, *seats, confirm=rng.random() < 0.5)
        elif kind < 8:  # a forged token
            body = request(world, "forged." + uuid.uuid4().hex, request_id, rng.choice(labels))
        elif kind == 8:  # malformed, but answerable
            body = {"request_id": request_id, "access_token": tokens["ann"], "seat_ids": "all of them"}
        else:  # nothing to answer to
            payloads.append(b"\xff" * rng.randint(1, 64))
            continue
        addressed.append(request_id)
        payloads.append(json.dumps(body).encode())

    probes: list[tuple[str, int]] = []
    flood_done = asyncio.Event()

    async def probe_rest() -> None:
        async with httpx.AsyncClient(base_url=server.base_url, timeout=GUARD) as http:
            while not flood_done.is_set():
                for path in ("/healthz", f"/showings/{world.showing.id}/seats"):
                    response = await asyncio.wait_for(http.get(path), GUARD)
                    probes.append((path, response.status_code))
                await asyncio.sleep(0.05)

    async with collect(mqtt_url, f"{prefix}booking/response/#") as seen:
        prober = asyncio.create_task(probe_rest())
        try:
            await publish(mqtt_url, prefix, *payloads)
            answered = await answers_to(seen, prefix, addressed)
        finally:
            flood_done.set()
            await prober

    assert set(answered) == set(addressed)  # every addressable request answered, nothing else
    assert all(body["request_id"] == rid for rid, bodies in answered.items() for body in bodies)
    first = {rid: bodies[0] for rid, bodies in answered.items()}
    codes = [a["error"]["code"] for a in first.values() if not a["ok"]]
    assert codes.count("not_authenticated") == 200 and codes.count("validation_error") == 100
    # Random seats: some would leave a seat alone (single_seat_gap), as over HTTP.
    allowed = {"not_authenticated", "validation_error", "seats_unavailable", "too_many_seats", "single_seat_gap"}
    assert set(codes) <= allowed
    booked = {a["booking"]["id"] for a in first.values() if a["ok"]}
    assert booked and await count(clean_db, t.bookings) == len(booked)
    async with clean_db.connect() as conn:
        live = (
            await conn.execute(
                select(t.seat_reservations.c.seat_id)
                .join(t.bookings, t.bookings.c.id == t.seat_reservations.c.booking_id)
                .where(t.bookings.c.status.in_(["pending", "confirmed"]))
            )
        ).all()
    assert len(live) == len({row.seat_id for row in live})  # no seat held twice
    assert len(probes) >= 4 and all(status == 200 for _, status in probes), probes
    last = await ask(mqtt_url, prefix, request(world, tokens["ann"], "after-flood", "D10"))
    assert last["request_id"] == "after-flood"


async def test_a_retained_request_is_never_replayed_and_is_cleared_from_the_broker(
    world: World, database_url: str, mqtt_url: str, prefix: str, clean_db: AsyncEngine, tmp_path: Path
) -> None:
    """Issue 13 item 3: a retained ``booking/request`` stored on the broker reaches every service that subscribes
    later (each restart, each new process). The service drops it unread, counts it, and clears it from the broker."""
    settings = Settings(
        _env_file=None,
        database_url=database_url,
        mqtt_url=mqtt_url,
        mqtt_topic_prefix=prefix,
        data_dir=tmp_path,
        mail_dir=tmp_path / "mail",
        jwt_secret=SECRET,
        seed_on_start=False,
        log_level="CRITICAL",
    )
    ann = world.users["ann"]
    token = JwtTokenService(SECRET, issuer="lynriescoop", access_minutes=15).issue_access(
        ann.id, ann.role, datetime.now(UTC)
    )
    stored = json.dumps(request(world, str(token.token), "retained-1", "A1", confirm=True)).encode()
    target = MqttTarget.parse(mqtt_url)
    async with aiomqtt.Client(target.host, target.port) as attacker:  # before the service runs: stored, retained
        await attacker.publish(f"{prefix}booking/request", stored, qos=1, retain=True)
    retained_before = dropped("retained")
    async with collect(mqtt_url, f"{prefix}booking/response/#") as seen, serve(settings) as running:
        client = running.app.state.container.mqtt_client()
        await eventually(lambda: client.connected, "the app's MQTT client connects (and subscribes)")
        await eventually(lambda: dropped("retained") > retained_before, "the retained request is dropped")
        # The retained request's seat: it was never booked, so it is free (and a row end strands nobody).
        after = await ask(mqtt_url, prefix, request(world, str(token.token), "live-1", "A1"))
        assert after["ok"] is True  # the consumer works; only the replay was refused
        assert not seen.on(f"{prefix}booking/response/retained-1")
    assert dropped("retained") - retained_before == 1
    assert await count(clean_db, t.bookings) == 1

    async def nothing_retained() -> bool:
        async with collect(mqtt_url, f"{prefix}booking/request") as later:
            await asyncio.sleep(0.3)  # a retained message arrives right after SUBSCRIBE
            return not [m for m in later.messages if m.retain and m.payload]

    await eventually(nothing_retained, "the stored request is cleared from the broker", GUARD)
