"""Issue 13 item 3: anonymous MQTT clients cannot exhaust the service. A real ``lynriescoop serve`` process on the
real broker (``TEST_MQTT_URL``) and PostgreSQL is flooded on ``booking/request`` with 200 messages of 1 MB and
20,000 small ones, while the REST API is probed. Checked:

* ``/healthz`` and a seat map keep answering 200, each within ``REST_BOUND`` seconds;
* the process's peak resident memory (``VmHWM`` in ``/proc``) grows by less than ``RSS_GROWTH_BOUND`` (unbounded
  queueing would hold the 200 MB of large payloads, and parsing them would cost more);
* every 1 MB message is dropped unread (``mqtt_incoming_dropped_total{reason="too_large"}`` is 200), the overflow
  of small ones is dropped and counted (``reason="queue_full"``), and the consumer still answers afterwards.
"""

from __future__ import annotations

import asyncio
import json
import random
import re
import socket
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import aiomqtt
import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from lynriescoop.adapters.mqtt.client import MqttTarget
from lynriescoop.adapters.security.jwt_tokens import JwtTokenService
from tests.delivery_support import collect, eventually
from tests.factories import World, build_world, make_user, put_in_postgres
from tests.servers import ServeProcess, service_env

pytestmark = [pytest.mark.postgres, pytest.mark.mqtt]

SECRET = "mqtt-flood-secret-" + "f" * 32
LARGE, LARGE_BYTES = 200, 1_000_000
SMALL = 20_000
REST_BOUND = 5.0  # seconds for one REST answer while the flood runs
RSS_GROWTH_BOUND = 50 * 1024 * 1024  # peak-RSS growth allowed (measured: ~7 MiB bounded, ~100 MiB unbounded)
GUARD = 60.0  # against hanging, never a measured expectation


def _proc_kib(pid: int, field: str) -> int:
    """A ``/proc/{pid}/status`` field in bytes (``VmRSS``, ``VmHWM``)."""
    status = Path(f"/proc/{pid}/status").read_text()
    match = re.search(rf"^{field}:\s+(\d+) kB$", status, re.MULTILINE)
    assert match, f"no {field} in /proc/{pid}/status"
    return int(match.group(1)) * 1024


def _varint(n: int) -> bytes:
    out = bytearray()
    while True:
        n, digit = n >> 7, n & 0x7F
        out.append(digit | (0x80 if n else 0))
        if not n:
            return bytes(out)


def _utf8(text: str) -> bytes:
    raw = text.encode()
    return len(raw).to_bytes(2, "big") + raw


def publish_packet(topic: str, payload: bytes, packet_id: int | None = None) -> bytes:
    """An MQTT 3.1.1 PUBLISH: QoS 0, or QoS 1 with ``packet_id``."""
    header = 0x30 if packet_id is None else 0x32
    variable = _utf8(topic) + (b"" if packet_id is None else packet_id.to_bytes(2, "big"))
    return bytes([header]) + _varint(len(variable) + len(payload)) + variable + payload


def raw_flood(target: MqttTarget, packets: list[bytes], *, acks: int = 0) -> None:
    """Connects anonymously, writes every packet, waits for ``acks`` PUBACKs (QoS 1), disconnects."""
    connect = b"\x00\x04MQTT\x04\x02\x00\x3c" + _utf8(f"flood-{uuid.uuid4().hex[:8]}")
    with socket.create_connection((target.host, target.port), timeout=GUARD) as sock:
        sock.sendall(b"\x10" + _varint(len(connect)) + connect)
        assert sock.recv(4) == b"\x20\x02\x00\x00", "the broker refused the connection"
        for packet in packets:
            sock.sendall(packet)
        received = b""
        while len(received) < 4 * acks:  # PUBACKs: 0x40 0x02 id id
            chunk = sock.recv(65536)
            assert chunk, "the broker closed the connection"
            received += chunk
        sock.sendall(b"\xe0\x00")


@pytest.fixture
async def world(clean_db: AsyncEngine) -> World:
    world = build_world(rows=4, per_row=10)
    world.users = {name: make_user(f"{name}@example.com") for name in ("ann", "bob", "cat")}
    await put_in_postgres(clean_db, world)
    return world


@pytest.fixture
def service(world: World, database_url: str, mqtt_url: str, prefix: str, tmp_path: Path) -> Iterator[ServeProcess]:
    env = service_env() | {
        "ENVIRONMENT": "development",
        "SEED_ON_START": "false",
        "DATABASE_URL": database_url,
        "MQTT_URL": mqtt_url,
        "MQTT_TOPIC_PREFIX": prefix,
        "JWT_SECRET": SECRET,
        "LOG_LEVEL": "WARNING",
        "DATA_DIR": str(tmp_path / "data"),
        "MAIL_DIR": str(tmp_path / "mail"),
    }
    running = ServeProcess("serve", env, tmp_path / "serve")
    try:
        yield running
    finally:
        code = running.stop()
    assert code == 0, running.output()


def _dropped(metrics: str, reason: str) -> float:
    pattern = rf'^mqtt_incoming_dropped_total\{{reason="{reason}",topic="booking/request"\}} (\S+)$'
    found = re.search(pattern, metrics, re.MULTILINE)
    if found is None:  # label order is not guaranteed: accept either
        pattern = rf'^mqtt_incoming_dropped_total\{{topic="booking/request",reason="{reason}"\}} (\S+)$'
        found = re.search(pattern, metrics, re.MULTILINE)
    return float(found.group(1)) if found else 0.0


async def test_a_flood_of_large_and_small_requests_leaves_rest_answering_and_memory_bounded(
    service: ServeProcess, world: World, mqtt_url: str, prefix: str
) -> None:
    rng = random.Random(13)
    tokens = JwtTokenService(SECRET, issuer="lynriescoop", access_minutes=15)
    token = {name: str(tokens.issue_access(u.id, u.role, datetime.now(UTC)).token) for name, u in world.users.items()}
    seat_ids = [str(seat.id) for seat in world.room.seats]
    seat_map = f"/showings/{world.showing.id}/seats"
    target = MqttTarget.parse(mqtt_url)

    def body(request_id: str, who: str | None, **extra: Any) -> bytes:
        payload: dict[str, Any] = {
            "request_id": request_id,
            "access_token": token[who] if who else "forged." + uuid.uuid4().hex,
            "showing_id": str(world.showing.id),
            "seat_ids": [rng.choice(seat_ids)],
            **extra,
        }
        return json.dumps(payload).encode()

    async def ask(http: httpx.AsyncClient, request_id: str) -> dict[str, Any]:
        """Publish a real request until it is answered (under a flood, a request may be dropped: clients retry)."""
        async with (
            collect(mqtt_url, f"{prefix}booking/response/{request_id}") as seen,
            aiomqtt.Client(target.host, target.port) as client,
        ):
            deadline = time.monotonic() + GUARD
            while not seen.messages:
                assert time.monotonic() < deadline, f"no answer to {request_id}:\n{service.output()}"
                await client.publish(f"{prefix}booking/request", body(request_id, "ann"), qos=1)
                for _ in range(40):
                    if seen.messages:
                        break
                    await asyncio.sleep(0.05)
        return dict(seen.messages[0].json())

    async with httpx.AsyncClient(base_url=service.base_url, timeout=GUARD) as http:
        await service.wait_ready(http, GUARD)
        # Warm-up: every code path the flood takes has run once, so the baseline includes its imports and pools.
        assert (await http.get(seat_map)).status_code == 200
        assert (await ask(http, "warm-up"))["request_id"] == "warm-up"
        pid = service.process.pid
        Path(f"/proc/{pid}/clear_refs").write_text("5")  # resets the peak (VmHWM) to the current RSS
        baseline = _proc_kib(pid, "VmHWM")

        probes: list[tuple[str, int, float]] = []
        rss: list[int] = []
        flooding = asyncio.Event()

        async def probe_rest() -> None:
            while not flooding.is_set():
                for path in ("/healthz", seat_map):
                    t0 = time.monotonic()
                    response = await http.get(path)
                    probes.append((path, response.status_code, time.monotonic() - t0))
                rss.append(_proc_kib(pid, "VmRSS"))
                await asyncio.sleep(0.1)

        # The attacker writes raw MQTT packets: as fast as the broker takes them, whatever a client library costs.
        large = [
            publish_packet(f"{prefix}booking/request", body(f"large-{i}", "bob", padding="x" * LARGE_BYTES), i + 1)
            for i in range(LARGE)
        ]

        def small_body(i: int) -> bytes:
            kind = i % 10
            if kind == 0:  # a real customer's request (a booking attempt, in the database)
                return body(f"small-{i}", ("ann", "bob", "cat")[i % 3])
            if kind < 3:  # a forged token: answered not_authenticated
                return body(f"small-{i}", None)
            return b'{"no_request_id": %d}' % i  # nothing to answer: dropped by the handler

        small = [publish_packet(f"{prefix}booking/request", small_body(i)) for i in range(SMALL)]

        prober = asyncio.create_task(probe_rest())
        try:
            # The large ones first, acknowledged by the broker: the broker queues at most 1,000 messages for a
            # subscriber that reads slowly, so behind the small ones some large ones could be dropped by the broker
            # itself, before the service sees them. The small ones follow at once.
            await asyncio.wait_for(asyncio.to_thread(raw_flood, target, large, acks=LARGE), GUARD)
            await asyncio.wait_for(asyncio.to_thread(raw_flood, target, small), GUARD)
            metrics = ""

            async def large_ones_dropped() -> bool:
                nonlocal metrics
                metrics = (await http.get("/metrics")).text
                return _dropped(metrics, "too_large") >= LARGE

            await eventually(large_ones_dropped, "the service has read every 1 MB message", 2 * GUARD)
            after = await ask(http, "after-flood")  # the consumer lives and answers again
        finally:
            flooding.set()
            await prober

        assert after["request_id"] == "after-flood"
        metrics = (await http.get("/metrics")).text
        peak = _proc_kib(pid, "VmHWM")

    slow = [p for p in probes if p[1] != 200 or p[2] > REST_BOUND]
    assert len(probes) >= 10 and not slow, (slow, len(probes))
    assert _dropped(metrics, "too_large") == LARGE
    assert _dropped(metrics, "queue_full") > 0, "the flood should overflow the bounded queue"
    growth = peak - baseline
    assert growth < RSS_GROWTH_BOUND, f"peak RSS grew by {growth / 2**20:.0f} MiB (samples: {rss[-5:]})"
