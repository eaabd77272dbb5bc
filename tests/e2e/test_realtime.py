"""API.md §8 end to end: bookings made over HTTP (and over MQTT) show up live on a real broker."""

from __future__ import annotations

import json
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import aiomqtt
import httpx
import pytest
from asgi_lifespan import LifespanManager
from dependency_injector import providers
from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncEngine

from lynriescoop.adapters.mqtt.client import MqttTarget
from lynriescoop.domain.users import Role
from lynriescoop.entrypoints.http.app import create_app
from tests.delivery_support import collect, eventually
from tests.e2e.conftest import SettingsFactory
from tests.factories import MutableClock, World, build_world, make_user, put_in_postgres


@pytest.fixture
async def world(clean_db: AsyncEngine) -> World:
    world = build_world(rows=2, per_row=6)
    world.users = {"ann": make_user("ann@example.com"), "bob": make_user("bob@example.com", role=Role.MANAGER)}
    await put_in_postgres(clean_db, world)
    return world


@pytest.fixture
async def live_app(make_settings: SettingsFactory, mqtt_url: str, prefix: str, world: World) -> AsyncIterator[FastAPI]:
    app = create_app(make_settings(mqtt_url=mqtt_url, mqtt_topic_prefix=prefix))
    async with LifespanManager(app, startup_timeout=30, shutdown_timeout=30):
        container = app.state.container
        await eventually(lambda: container.mqtt_client().connected, "the app's MQTT client connects")
        yield app


def token(app: FastAPI, world: World, name: str) -> str:
    user = world.users[name]
    return str(app.state.container.token_service().issue_access(user.id, user.role, datetime.now(UTC)).token)


async def test_hold_confirm_cancel_and_expiry_arrive_as_consecutive_deltas(
    live_app: FastAPI, world: World, mqtt_url: str, prefix: str
) -> None:
    headers = {"Authorization": f"Bearer {token(live_app, world, 'ann')}"}
    a1, a2 = str(world.seat("A1").id), str(world.seat("A6").id)  # A6: A2 would leave A1 alone (single-seat rule)
    showing = str(world.showing.id)
    transport = httpx.ASGITransport(app=live_app)
    async with (
        collect(mqtt_url, f"{prefix}seats/status/#", f"{prefix}booking/confirm/#") as seen,
        httpx.AsyncClient(transport=transport, base_url="http://app") as client,
    ):
        held = (await client.post("/bookings", json={"showing_id": showing, "seat_ids": [a1]}, headers=headers)).json()
        await client.post(f"/bookings/{held['id']}/confirm", headers=headers)
        await client.post(f"/bookings/{held['id']}/cancel", headers=headers)
        second = (
            await client.post("/bookings", json={"showing_id": showing, "seat_ids": [a2]}, headers=headers)
        ).json()
        container = live_app.state.container
        container.clock.override(providers.Object(MutableClock(datetime.now(UTC) + timedelta(minutes=11))))
        try:
            assert (await container.sweep_holds()()).expired == 1
        finally:
            container.clock.reset_override()
        deltas = await seen.wait_for(5, f"{prefix}seats/status/")
        statuses = await seen.wait_for(5, f"{prefix}booking/confirm/")

        assert [m.topic for m in deltas] == [f"{prefix}seats/status/{showing}"] * 5
        bodies = [m.json() for m in deltas]
        assert [b["version"] for b in bodies] == [1, 2, 3, 4, 5]
        assert [b["reason"] for b in bodies] == ["held", "booked", "released", "held", "expired"]
        assert [[(s["label"], s["status"]) for s in b["seats"]] for b in bodies] == [
            [("A1", "held")],
            [("A1", "booked")],
            [("A1", "available")],
            [("A6", "held")],
            [("A6", "available")],
        ]
        assert all(b["showing_id"] == showing and b["timestamp"].endswith("Z") for b in bodies)
        assert [m.json()["status"] for m in statuses] == ["pending", "confirmed", "cancelled", "pending", "expired"]
        assert {m.topic for m in statuses} == {
            f"{prefix}booking/confirm/{held['id']}",
            f"{prefix}booking/confirm/{second['id']}",
        }
        for message in statuses:
            assert set(message.json()) == {
                "booking_id",
                "showing_id",
                "status",
                "seat_ids",
                "timestamp",
            }
            assert held["booking_number"] not in message.payload.decode()  # not a credential, never published

        seat_map = (await client.get(f"/showings/{showing}/seats")).json()

    async def snapshot_matches() -> bool:
        async with collect(mqtt_url, f"{prefix}seats/snapshot/{showing}") as fresh:
            await eventually(lambda: fresh.messages, "the retained snapshot")
            body = fresh.messages[-1].json()
        return body["version"] == seat_map["version"] == 5

    await eventually(snapshot_matches, "a snapshot of version 5")
    async with collect(mqtt_url, f"{prefix}seats/snapshot/{showing}") as fresh:
        await eventually(lambda: fresh.messages, "the retained snapshot")
        message = fresh.messages[-1]
    snapshot = message.json()
    assert message.retain
    assert snapshot["available_seats"] == len(seat_map["seats"])
    assert [(s["seat_id"], s["label"], s["status"]) for s in snapshot["seats"]] == [
        (s["seat_id"], s["label"], s["status"]) for s in seat_map["seats"]
    ]


async def _request(mqtt_url: str, prefix: str, body: dict[str, Any] | bytes, request_id: str) -> dict[str, Any]:
    target = MqttTarget.parse(mqtt_url)
    async with collect(mqtt_url, f"{prefix}booking/response/{request_id}") as seen:
        async with aiomqtt.Client(target.host, target.port) as client:
            payload = body if isinstance(body, bytes) else json.dumps(body).encode()
            await client.publish(f"{prefix}booking/request", payload, qos=1)
        [answer] = await seen.wait_for(1)
    return dict(answer.json())


async def test_booking_over_mqtt(live_app: FastAPI, world: World, mqtt_url: str, prefix: str) -> None:
    request_id = f"req-{uuid.uuid4().hex[:8]}"
    body = {
        "request_id": request_id,
        "access_token": token(live_app, world, "ann"),
        "showing_id": str(world.showing.id),
        "seat_ids": [str(world.seat("B1").id)],
        "confirm": True,
    }
    answer = await _request(mqtt_url, prefix, body, request_id)
    assert answer["ok"] is True and answer["request_id"] == request_id
    booking = answer["booking"]
    assert booking["status"] == "confirmed" and [s["label"] for s in booking["seats"]] == ["B1"]
    again = await _request(mqtt_url, prefix, body, request_id)
    assert again["booking"]["id"] == booking["id"]

    refused = await _request(mqtt_url, prefix, body | {"request_id": "other", "access_token": "forged"}, "other")
    assert refused == {
        "request_id": "other",
        "ok": False,
        "error": {"code": "not_authenticated", "detail": refused["error"]["detail"]},
    }
    taken_id = f"taken-{uuid.uuid4().hex[:6]}"
    taken = await _request(
        mqtt_url, prefix, body | {"request_id": taken_id, "access_token": token(live_app, world, "bob")}, taken_id
    )
    assert taken["error"]["code"] == "seats_unavailable" and taken["error"]["seat_ids"] == [str(world.seat("B1").id)]
    # Garbage does not kill the consumer: the next request is still answered.
    target = MqttTarget.parse(mqtt_url)
    async with aiomqtt.Client(target.host, target.port) as client:
        await client.publish(f"{prefix}booking/request", b"\x00\xff garbage", qos=1)
    last_id = f"last-{uuid.uuid4().hex[:6]}"
    last = await _request(
        mqtt_url, prefix, body | {"request_id": last_id, "seat_ids": [str(world.seat("B2").id)]}, last_id
    )
    assert last["ok"] is True
