"""API.md §6 and §8: the seat rules hold for ``booking/request`` too (the same use case as POST /bookings), and the
refusal names the seats in ``error.seat_labels``."""

from __future__ import annotations

import json
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import aiomqtt
import pytest
from asgi_lifespan import LifespanManager
from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncEngine

from lynriescoop.adapters.mqtt.client import MqttTarget
from lynriescoop.domain.rooms import SeatCategory
from lynriescoop.entrypoints.http.app import create_app
from tests.delivery_support import collect, eventually
from tests.e2e.conftest import SettingsFactory
from tests.factories import World, build_world, make_user, put_in_postgres


@pytest.fixture
async def world(clean_db: AsyncEngine) -> World:
    world = build_world(rows=2, per_row=6)  # row A: [W][C][ ][ ][ ][ ]
    world.seat("A1").category = SeatCategory.WHEELCHAIR
    world.seat("A2").category = SeatCategory.COMPANION
    world.users = {"ann": make_user("ann@example.com")}
    await put_in_postgres(clean_db, world)
    return world


@pytest.fixture
async def live_app(make_settings: SettingsFactory, mqtt_url: str, prefix: str, world: World) -> AsyncIterator[FastAPI]:
    app = create_app(make_settings(mqtt_url=mqtt_url, mqtt_topic_prefix=prefix))
    async with LifespanManager(app, startup_timeout=30, shutdown_timeout=30):
        container = app.state.container
        await eventually(lambda: container.mqtt_client().connected, "the app's MQTT client connects")
        yield app


async def _request(app: FastAPI, world: World, mqtt_url: str, prefix: str, *labels: str) -> dict[str, Any]:
    user = world.users["ann"]
    token = app.state.container.token_service().issue_access(user.id, user.role, datetime.now(UTC)).token
    request_id = f"rules-{uuid.uuid4().hex[:8]}"
    body = {
        "request_id": request_id,
        "access_token": token,
        "showing_id": str(world.showing.id),
        "seat_ids": [str(world.seat(label).id) for label in labels],
    }
    target = MqttTarget.parse(mqtt_url)
    async with collect(mqtt_url, f"{prefix}booking/response/{request_id}") as seen:
        async with aiomqtt.Client(target.host, target.port) as client:
            await client.publish(f"{prefix}booking/request", json.dumps(body).encode(), qos=1)
        [answer] = await seen.wait_for(1)
    return dict(answer.json())


async def test_seat_rules_over_mqtt(live_app: FastAPI, world: World, mqtt_url: str, prefix: str) -> None:
    # Row B: [ ][x][ ][ ][ ][ ] strands B1.
    gap = await _request(live_app, world, mqtt_url, prefix, "B2")
    assert gap["ok"] is False
    assert gap["error"]["code"] == "single_seat_gap" and gap["error"]["seat_labels"] == ["B1"]
    lonely = await _request(live_app, world, mqtt_url, prefix, "A2")
    assert lonely["ok"] is False
    assert lonely["error"]["code"] == "companion_needs_wheelchair" and lonely["error"]["seat_labels"] == ["A2"]
    together = await _request(live_app, world, mqtt_url, prefix, "A1", "A2")
    assert together["ok"] is True
    assert [s["label"] for s in together["booking"]["seats"]] == ["A1", "A2"]
