"""GET /admin/outbox and POST /admin/outbox/{id}/retry (API.md §7), and the delivery wiring of the real app:
readiness of MQTT and SMTP, the relay in the lifespan, messages reaching a subscriber on the real broker."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from uuid import uuid4

import httpx
import pytest
from asgi_lifespan import LifespanManager
from fastapi import FastAPI
from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncEngine

from lynriescoop.adapters.postgres import tables as t
from lynriescoop.domain.events import (
    DomainEvent,
    SeatChangeReason,
    SeatsChanged,
    SeatState,
)
from lynriescoop.entrypoints.http.app import create_app
from tests.delivery_support import clear_retained, collect, eml_files, eventually, unique_prefix
from tests.e2e.auth_helpers import assert_problem, bearer, manager, register
from tests.e2e.conftest import SettingsFactory

AT = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)


async def record(app: FastAPI, *events: DomainEvent) -> None:
    async with app.state.container.uow() as uow:
        uow.record(*events)
        await uow.commit()


def seats_changed(showing: Any, version: int) -> SeatsChanged:
    return SeatsChanged(
        occurred_at=AT,
        showing_id=showing,
        version=version,
        reason=SeatChangeReason.HELD,
        seats=(SeatState(uuid4(), "A1", "held"),),
    )


async def insert_failed_email(engine: AsyncEngine, recipient: str) -> int:
    """A row as the relay leaves it after its last attempt (the app's mailer here writes files and never fails)."""
    async with engine.begin() as conn:
        payload = {
            "kind": "booking_confirmed",
            "booking_id": str(uuid4()),
            "recipient_email": recipient,
            "recipient_name": "Bo",
            "booking_number": "FA1LED00",
            "movie_title": "Dune",
            "room_name": "Room 1",
            "start_time": "2026-11-28T19:30:00Z",
            "seat_labels": ["B2"],
            "total_price": "12.50",
            "currency": "EUR",
            "cancel_deadline": None,
            "reason": None,
            "extra": {},
            "timestamp": "2026-11-20T12:00:00Z",
        }
        stmt = (
            insert(t.outbox)
            .values(
                channel="email",
                kind="booking_confirmed_email",
                destination=recipient,
                payload=payload,
                status="failed",
                attempts=5,
                last_error="SMTP 550: Mailbox unavailable",
            )
            .returning(t.outbox.c.id)
        )
        return int((await conn.execute(stmt)).scalar_one())


@pytest.fixture
async def manager_headers(app: FastAPI, client: httpx.AsyncClient) -> dict[str, str]:
    return bearer((await manager(app, client))["access_token"])


async def test_readiness_without_a_broker_and_with_file_mail(client: httpx.AsyncClient) -> None:
    response = await client.get("/readyz")
    assert response.status_code == 200
    assert response.json() | {"database": "ok"} == response.json()
    assert (response.json()["mqtt"], response.json()["smtp"]) == ("down", "file")


async def test_the_outbox_is_for_managers_only(client: httpx.AsyncClient) -> None:
    assert_problem(await client.get("/admin/outbox"), 401, "not_authenticated")
    assert_problem(await client.post("/admin/outbox/1/retry"), 401, "not_authenticated")
    user = await register(client, "plain@example.com")
    headers = bearer(user["access_token"])
    assert_problem(await client.get("/admin/outbox", headers=headers), 403, "forbidden")
    assert_problem(await client.post("/admin/outbox/1/retry", headers=headers), 403, "forbidden")


async def test_list_newest_first_with_filters_and_paging(
    app: FastAPI, client: httpx.AsyncClient, manager_headers: dict[str, str], clean_db: AsyncEngine
) -> None:
    showing = uuid4()
    await record(app, seats_changed(showing, 1))
    await record(app, seats_changed(showing, 2))
    failed_id = await insert_failed_email(clean_db, "bo@example.com")

    response = await client.get("/admin/outbox", headers=manager_headers)
    assert response.status_code == 200
    body = response.json()
    assert (body["total"], body["limit"], body["offset"]) == (5, 20, 0)
    ids = [item["id"] for item in body["items"]]
    assert ids == sorted(ids, reverse=True) and ids[0] == failed_id
    assert body["items"][0] == {
        "id": failed_id,
        "channel": "email",
        "topic_or_recipient": "bo@example.com",
        "status": "failed",
        "attempts": 5,
        "last_error": "SMTP 550: Mailbox unavailable",
        "created_at": body["items"][0]["created_at"],
        "sent_at": None,
    }
    # Without a broker the MQTT rows wait, pending.
    assert [(i["channel"], i["status"], i["topic_or_recipient"]) for i in body["items"][1:]] == [
        ("mqtt", "pending", f"seats/snapshot/{showing}"),
        ("mqtt", "pending", f"seats/status/{showing}"),
        ("mqtt", "pending", f"seats/snapshot/{showing}"),
        ("mqtt", "pending", f"seats/status/{showing}"),
    ]
    assert datetime.fromisoformat(body["items"][0]["created_at"]).tzinfo is not None

    failed = (await client.get("/admin/outbox?status=failed", headers=manager_headers)).json()
    assert [i["id"] for i in failed["items"]] == [failed_id]
    mqtt_page = (await client.get("/admin/outbox?channel=mqtt&limit=3&offset=1", headers=manager_headers)).json()
    assert (mqtt_page["total"], mqtt_page["limit"], mqtt_page["offset"]) == (4, 3, 1)
    assert [i["id"] for i in mqtt_page["items"]] == ids[2:5]
    nothing = (await client.get("/admin/outbox?status=sent&channel=mqtt", headers=manager_headers)).json()
    assert (nothing["total"], nothing["items"]) == (0, [])

    for bad in ("status=lost", "channel=sms", "limit=0", "limit=101", "offset=-1"):
        assert_problem(await client.get(f"/admin/outbox?{bad}", headers=manager_headers), 422, "validation_error")


async def test_retry_queues_a_failed_email_and_the_relay_sends_it(
    app: FastAPI, client: httpx.AsyncClient, manager_headers: dict[str, str], clean_db: AsyncEngine, tmp_path: Path
) -> None:
    failed_id = await insert_failed_email(clean_db, "bo@example.com")
    response = await client.post(f"/admin/outbox/{failed_id}/retry", headers=manager_headers)
    assert response.status_code == 200
    entry = response.json()
    assert (entry["id"], entry["status"], entry["attempts"], entry["channel"]) == (failed_id, "pending", 0, "email")
    assert entry["last_error"] == "SMTP 550: Mailbox unavailable"

    # NOTIFY wakes the relay; the app writes emails as files under MAIL_DIR.
    await eventually(lambda: eml_files(tmp_path / "mail"), "the email file")
    assert "FA1LED00" in eml_files(tmp_path / "mail")[0].read_text()

    async def sent() -> bool:
        async with clean_db.connect() as conn:
            status = (await conn.execute(select(t.outbox.c.status).where(t.outbox.c.id == failed_id))).scalar_one()
        return bool(status == "sent")

    await eventually(sent, "the row is sent")
    listed = (await client.get("/admin/outbox?status=sent", headers=manager_headers)).json()
    assert [(i["id"], i["attempts"]) for i in listed["items"]] == [(failed_id, 1)]
    assert listed["items"][0]["sent_at"] is not None


async def test_retry_of_an_unknown_row_is_404(client: httpx.AsyncClient, manager_headers: dict[str, str]) -> None:
    assert_problem(
        await client.post("/admin/outbox/999999/retry", headers=manager_headers), 404, "outbox_entry_not_found"
    )
    for bad in ("0", "abc", str(2**63)):
        assert_problem(
            await client.post(f"/admin/outbox/{bad}/retry", headers=manager_headers), 422, "validation_error"
        )


@pytest.fixture
async def live_app(clean_db: AsyncEngine, make_settings: SettingsFactory, mqtt_url: str) -> AsyncIterator[FastAPI]:
    """The real app with the real broker (the shared ``app`` fixture runs without one), under a prefix of its own."""
    prefix = unique_prefix()
    application = create_app(make_settings(mqtt_url=mqtt_url, mqtt_topic_prefix=prefix))
    async with LifespanManager(application, startup_timeout=30, shutdown_timeout=30):
        yield application
    await clear_retained(mqtt_url, prefix)


async def test_the_app_publishes_through_its_relay_and_reports_the_broker(live_app: FastAPI, mqtt_url: str) -> None:
    container = live_app.state.container
    prefix = container.settings().mqtt_topic_prefix
    await eventually(lambda: container.mqtt_client().connected, "the app connects to the broker")
    transport = httpx.ASGITransport(app=live_app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        ready = (await client.get("/readyz")).json()
    assert ready["mqtt"] == "ok"
    showing = uuid4()
    async with collect(mqtt_url, prefix + "seats/status/#") as seen:
        for version in (1, 2, 3):
            await record(live_app, seats_changed(showing, version))
        messages = await seen.wait_for(3)
    assert [m.json()["version"] for m in messages] == [1, 2, 3]
    assert {m.topic for m in messages} == {f"{prefix}seats/status/{showing}"}
