"""API.md §8 and §11 over a real broker: check-ins on ``checkin/{showing}``, the retained full list on
``tickets/revoked/{showing}``, and the offline flow: a scanner saves the keys (HTTP) and the revocation list
(MQTT), then ``lynriescoop verify-ticket`` decides with neither network nor database."""

from __future__ import annotations

import base64
import json
import os
import subprocess
import sys
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from uuid import UUID

import aiomqtt
import httpx
import pytest
from asgi_lifespan import LifespanManager
from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncEngine

from lynriescoop.adapters.mqtt.client import MqttTarget
from lynriescoop.adapters.security.ed25519_tickets import Ed25519TicketSigner, generate_private_key
from lynriescoop.domain.tickets import TicketClaims
from lynriescoop.domain.users import Role
from lynriescoop.entrypoints.http.app import create_app
from tests.delivery_support import collect, eventually, retained_under
from tests.e2e.conftest import SettingsFactory
from tests.factories import World, build_world, make_user, put_in_postgres


@pytest.fixture
async def world(clean_db: AsyncEngine) -> World:
    world = build_world(rows=2, per_row=6)
    world.users = {
        "ann": make_user("ann@example.com"),
        "bob": make_user("bob@example.com"),
        "door": make_user("door@example.com", role=Role.STAFF),
    }
    await put_in_postgres(clean_db, world)
    return world


class LiveClient(httpx.AsyncClient):
    """A client of the live app that also mints access tokens for the world's users."""

    def __init__(self, app: FastAPI) -> None:
        super().__init__(transport=httpx.ASGITransport(app=app), base_url="http://app")
        self.app = app


@pytest.fixture
async def client(make_settings: SettingsFactory, mqtt_url: str, prefix: str, world: World) -> AsyncIterator[LiveClient]:
    app = create_app(make_settings(mqtt_url=mqtt_url, mqtt_topic_prefix=prefix))
    async with LifespanManager(app, startup_timeout=30, shutdown_timeout=30):
        container = app.state.container
        await eventually(lambda: container.mqtt_client().connected, "the app's MQTT client connects")
        async with LiveClient(app) as http:
            yield http


def headers(client: LiveClient, world: World, name: str) -> dict[str, str]:
    user = world.users[name]
    token = client.app.state.container.token_service().issue_access(user.id, user.role, datetime.now(UTC)).token
    return {"Authorization": f"Bearer {token}"}


async def confirmed(client: LiveClient, world: World, user: str, *labels: str) -> tuple[str, list[Any]]:
    body = {"showing_id": str(world.showing.id), "seat_ids": [str(world.seat(x).id) for x in labels], "confirm": True}
    booking = (await client.post("/bookings", json=body, headers=headers(client, world, user))).json()
    listed = await client.get(f"/bookings/{booking['id']}/tickets", headers=headers(client, world, user))
    return booking["id"], listed.json()["items"]


async def test_a_first_check_in_is_announced_once(client: LiveClient, world: World, mqtt_url: str, prefix: str) -> None:
    _, [ticket] = await confirmed(client, world, "ann", "A1")
    async with collect(mqtt_url, f"{prefix}checkin/#") as seen:
        door = headers(client, world, "door")
        admitted = (await client.post("/checkin", json={"code": ticket["code"]}, headers=door)).json()
        assert (await client.post("/checkin", json={"code": ticket["code"]}, headers=door)).status_code == 409
        [message] = await seen.wait_for(1)
        marker = await client.post("/checkin", json={"code": "NOPE"}, headers=door)  # refused: nothing announced
        assert marker.status_code == 422
    assert message.topic == f"{prefix}checkin/{world.showing.id}" and not message.retain
    payload = message.json()
    assert set(payload) == {"showing_id", "ticket_id", "seat_label", "checked_in_at", "timestamp"}
    assert (payload["showing_id"], payload["ticket_id"], payload["seat_label"]) == (
        str(world.showing.id),
        ticket["id"],
        "A1",
    )
    assert payload["checked_in_at"] == admitted["ticket"]["checked_in_at"]
    assert len(seen.messages) == 1


async def test_the_retained_revocation_list_is_always_the_full_list(
    client: LiveClient, world: World, mqtt_url: str, prefix: str
) -> None:
    first, first_tickets = await confirmed(client, world, "ann", "A1", "A2")
    second, second_tickets = await confirmed(client, world, "bob", "B1")
    topic = f"{prefix}tickets/revoked/{world.showing.id}"
    async with collect(mqtt_url, f"{prefix}tickets/revoked/#") as seen:
        await client.post(f"/bookings/{first}/cancel", headers=headers(client, world, "ann"))
        await client.post(f"/bookings/{second}/cancel", headers=headers(client, world, "bob"))
        messages = await seen.wait_for(2)
    assert [m.json()["version"] for m in messages] == [2, 3]
    assert set(messages[0].json()["ticket_ids"]) == {t["id"] for t in first_tickets}
    every = {t["id"] for t in first_tickets + second_tickets}
    assert set(messages[1].json()["ticket_ids"]) == every
    # A scanner that connects later gets the whole list at once.
    [held] = await retained_under(mqtt_url, topic, f"{prefix}marker")
    assert held.topic == topic and set(held.json()["ticket_ids"]) == every
    assert set(held.json()) == {"showing_id", "version", "ticket_ids", "timestamp"}


def verify_ticket(code: str, tmp_path: Path, keys: Any, revoked: Any = None) -> subprocess.CompletedProcess[str]:
    """``lynriescoop verify-ticket`` in a process of its own, with no database or broker settings at all."""
    (tmp_path / "keys.json").write_text(json.dumps(keys))
    args = ["verify-ticket", code, "--keys", str(tmp_path / "keys.json")]
    if revoked is not None:
        (tmp_path / "revoked.json").write_text(json.dumps(revoked))
        args += ["--revoked", str(tmp_path / "revoked.json")]
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DATABASE_", "MQTT_", "TICKET_", "JWT_"))}
    return subprocess.run(
        [sys.executable, "-m", "lynriescoop.entrypoints.cli", *args],
        env=env | {"ENVIRONMENT": "production"},  # production settings are not needed offline
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


async def test_offline_verification_of_a_valid_a_forged_a_revoked_and_a_wrong_key_code(
    client: LiveClient, world: World, mqtt_url: str, prefix: str, tmp_path: Path
) -> None:
    _, [valid] = await confirmed(client, world, "ann", "A1")
    cancelled, [revoked] = await confirmed(client, world, "bob", "B1")
    await client.post(f"/bookings/{cancelled}/cancel", headers=headers(client, world, "bob"))
    # What the scanner saved while it was online: the keys over HTTP, the revocation list over MQTT.
    keys = (await client.get("/tickets/keys")).json()
    topic = f"{prefix}tickets/revoked/{world.showing.id}"
    await eventually(lambda: retained_under(mqtt_url, topic, f"{prefix}marker"), "the retained revocation list")
    [message] = await retained_under(mqtt_url, topic, f"{prefix}marker")
    revocations = message.json()

    ok = verify_ticket(valid["code"], tmp_path, keys, revocations)
    assert ok.returncode == 0, ok.stderr
    assert "verdict: VALID" in ok.stdout and "seat:    A1" in ok.stdout and str(world.showing.id) in ok.stdout

    gone = verify_ticket(revoked["code"], tmp_path, keys, revocations)
    assert gone.returncode == 1 and "verdict: INVALID (revoked)" in gone.stdout and "seat:    B1" in gone.stdout

    raw = bytearray(base64.b32decode(valid["code"] + "=" * (-len(valid["code"]) % 8)))
    raw[42:44] = b"A9"  # the same signature on another seat
    forged = base64.b32encode(bytes(raw)).decode().rstrip("=")
    bad = verify_ticket(forged, tmp_path, keys, revocations)
    assert bad.returncode == 1 and "signature" in bad.stdout

    stranger = Ed25519TicketSigner(generate_private_key())
    claims = TicketClaims(UUID(valid["id"]), world.showing.id, "A1", world.showing.start_time, stranger.key_id)
    wrong_key = verify_ticket(stranger.sign(claims), tmp_path, keys, revocations)
    assert wrong_key.returncode == 1 and "key" in wrong_key.stdout

    garbled = verify_ticket("HELLO-WORLD", tmp_path, keys)
    assert garbled.returncode == 1 and "INVALID" in garbled.stdout
    missing = subprocess.run(
        [sys.executable, "-m", "lynriescoop.entrypoints.cli", "verify-ticket", "X", "--keys", "/nonexistent.json"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert missing.returncode == 1 and missing.stderr.startswith("lynriescoop: cannot verify")


async def test_a_booking_confirmed_over_mqtt_gets_its_tickets_and_the_owner_reads_them(
    client: LiveClient, world: World, mqtt_url: str, prefix: str
) -> None:
    target = MqttTarget.parse(mqtt_url)
    body = {
        "request_id": "tickets-1",
        "access_token": headers(client, world, "ann")["Authorization"].removeprefix("Bearer "),
        "showing_id": str(world.showing.id),
        "seat_ids": [str(world.seat("B3").id), str(world.seat("B4").id)],
        "confirm": True,
    }
    async with collect(mqtt_url, f"{prefix}booking/response/tickets-1") as seen:
        async with aiomqtt.Client(target.host, target.port) as mqtt:
            await mqtt.publish(f"{prefix}booking/request", json.dumps(body).encode(), qos=1)
        [answer] = await seen.wait_for(1)
    booking = answer.json()["booking"]
    assert booking["status"] == "confirmed"
    listed = await client.get(f"/bookings/{booking['id']}/tickets", headers=headers(client, world, "ann"))
    assert [(t["seat_label"], t["status"]) for t in listed.json()["items"]] == [("B3", "valid"), ("B4", "valid")]
