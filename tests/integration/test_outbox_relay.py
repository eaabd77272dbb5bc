"""The outbox relay on the real things: PostgreSQL, a real MQTT broker, several relays (API.md §8 "Delivery").

Events are recorded through the PostgreSQL unit of work together with the database change they report, the way
the booking engine does, and a subscriber on the broker checks what arrives and in which order.
"""

from __future__ import annotations

import asyncio
import json
import logging
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any
from uuid import UUID, uuid4

import pytest
from sqlalchemy import insert, select, text, update
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from lynriescoop.adapters.postgres import tables as t
from lynriescoop.adapters.postgres.delivery import PostgresOutboxClaimer, PostgresOutboxListener
from lynriescoop.adapters.postgres.listening import asyncpg_dsn
from lynriescoop.adapters.postgres.unit_of_work import PostgresUnitOfWork
from lynriescoop.adapters.smtp.mailers import FileMailer
from lynriescoop.adapters.smtp.rendering import BookingEmailRenderer
from lynriescoop.application.ports.delivery import EventPublisher, OutboxChannel
from lynriescoop.application.ports.unit_of_work import UnitOfWorkFactory
from lynriescoop.domain.events import (
    BookingStatusChanged,
    DomainEvent,
    SeatChangeReason,
    SeatsChanged,
    SeatState,
    ShowingChanged,
    ShowingEventKind,
)
from lynriescoop.domain.formats import rfc3339
from tests.delivery_support import (
    TcpGate,
    collect,
    eventually,
    retained_under,
    running_relay,
    started_publisher,
    uow_factory_for,
)
from tests.factories import World, build_world, make_user, put_in_postgres

pytestmark = [pytest.mark.postgres, pytest.mark.mqtt]

T0 = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)


@pytest.fixture
def mailer(tmp_path: Path) -> FileMailer:
    renderer = BookingEmailRenderer(
        from_email="tickets@lynriescoop.test",
        from_name="LynrieScoop",
        timezone=__import__("zoneinfo").ZoneInfo("Europe/Brussels"),
        cancel_cutoff=timedelta(hours=1),
    )
    return FileMailer(renderer, tmp_path / "mail")


@pytest.fixture
def uow(clean_db: AsyncEngine) -> UnitOfWorkFactory:
    return uow_factory_for(clean_db)


async def record(uow_factory: UnitOfWorkFactory, *events: DomainEvent, sql: list[Any] | None = None) -> None:
    """One transaction: the database change (``sql``) and the events that announce it."""
    async with uow_factory() as uow:
        assert isinstance(uow, PostgresUnitOfWork)
        for statement in sql or []:
            await uow.session.execute(statement)
        uow.record(*events)
        await uow.commit()


def seats_changed(showing: UUID, version: int, reason: SeatChangeReason, *seats: SeatState) -> SeatsChanged:
    return SeatsChanged(occurred_at=T0, showing_id=showing, version=version, reason=reason, seats=seats)


def delta(showing: UUID, version: int) -> SeatsChanged:
    return seats_changed(showing, version, SeatChangeReason.HELD, SeatState(uuid4(), "A1", "held"))


async def outbox_rows(engine: AsyncEngine, channel: OutboxChannel = OutboxChannel.MQTT) -> list[Any]:
    async with engine.connect() as conn:
        stmt = select(t.outbox).where(t.outbox.c.channel == channel.value).order_by(t.outbox.c.id)
        return list((await conn.execute(stmt)).all())


async def all_sent(engine: AsyncEngine) -> bool:
    rows = await outbox_rows(engine)
    return bool(rows) and all(r.status == "sent" for r in rows)


def versions(messages: list[Any]) -> list[int]:
    return [m.json()["version"] for m in messages]


async def make_world(engine: AsyncEngine, *, rows: int = 2, per_row: int = 5) -> World:
    world = build_world(rows=rows, per_row=per_row)
    world.users = {"ann": make_user(f"ann-{uuid4().hex[:6]}@example.com", name="Ann <script>")}
    await put_in_postgres(engine, world)
    return world


def book(world: World, status: str, labels: list[str], expires_at: datetime | None) -> tuple[UUID, list[Any]]:
    booking_id = uuid4()
    statements: list[Any] = [
        insert(t.bookings).values(
            id=booking_id,
            booking_number=uuid4().hex[:8].upper(),
            user_id=world.users["ann"].id,
            showing_id=world.showing.id,
            status=status,
            total_price=Decimal("10.00") * len(labels),
            currency="EUR",
            expires_at=expires_at,
        )
    ]
    statements += [
        insert(t.seat_reservations).values(
            id=uuid4(),
            booking_id=booking_id,
            showing_id=world.showing.id,
            seat_id=world.seat(label).id,
            label=label,
            category="standard",
            price=Decimal("10.00"),
        )
        for label in labels
    ]
    return booking_id, statements


def bump(world: World, version: int) -> Any:
    return update(t.showings).where(t.showings.c.id == world.showing.id).values(seat_version=version)


async def test_deltas_in_version_order_then_a_fresh_subscriber_gets_the_snapshot(
    clean_db: AsyncEngine, database_url: str, mqtt_url: str, prefix: str, uow: UnitOfWorkFactory, mailer: FileMailer
) -> None:
    world = await make_world(clean_db)
    sid = world.showing.id
    a1, a2, a3, b5 = (world.seat(label) for label in ("A1", "A2", "A3", "B5"))
    held, held_sql = book(world, "pending", ["A1", "A2"], datetime.now(UTC) + timedelta(minutes=10))
    booked, booked_sql = book(world, "confirmed", ["A3"], None)

    def status_changed(booking: UUID, status: str, seats: list[UUID]) -> BookingStatusChanged:
        return BookingStatusChanged(
            occurred_at=T0,
            booking_id=booking,
            showing_id=sid,
            user_id=world.users["ann"].id,
            status=status,
            seat_ids=tuple(seats),
        )

    # Committed while no relay runs: as if the process had been killed right after each commit.
    await record(
        uow,
        seats_changed(sid, 1, SeatChangeReason.HELD, SeatState(a1.id, "A1", "held"), SeatState(a2.id, "A2", "held")),
        status_changed(held, "pending", [a1.id, a2.id]),
        sql=[*held_sql, bump(world, 1)],
    )
    await record(
        uow,
        seats_changed(sid, 2, SeatChangeReason.BOOKED, SeatState(a3.id, "A3", "booked")),
        status_changed(booked, "confirmed", [a3.id]),
        sql=[*booked_sql, bump(world, 2)],
    )
    await record(
        uow,
        seats_changed(sid, 3, SeatChangeReason.BLOCKED, SeatState(b5.id, "B5", "blocked")),
        sql=[update(t.seats).where(t.seats.c.id == b5.id).values(is_active=False), bump(world, 3)],
    )

    async with collect(mqtt_url, prefix + "#") as seen:
        publisher = await started_publisher(mqtt_url, prefix)
        try:
            async with running_relay(clean_db, database_url, publisher, mailer):
                deltas = await seen.wait_for(3, prefix + "seats/status/")
                confirms = await seen.wait_for(2, prefix + "booking/confirm/")
                await eventually(lambda: all_sent(clean_db), "every row marked sent")
        finally:
            await publisher.stop()

    assert versions(deltas) == [1, 2, 3]
    assert [d.topic for d in deltas] == [f"{prefix}seats/status/{sid}"] * 3
    assert deltas[0].json() == {
        "showing_id": str(sid),
        "version": 1,
        "reason": "held",
        "seats": [
            {"seat_id": str(a1.id), "label": "A1", "status": "held"},
            {"seat_id": str(a2.id), "label": "A2", "status": "held"},
        ],
        "timestamp": rfc3339(T0),
    }
    assert [(d.json()["reason"], d.json()["seats"][0]["label"]) for d in deltas[1:]] == [
        ("booked", "A3"),
        ("blocked", "B5"),
    ]
    assert not any(d.retain for d in deltas)
    assert [c.topic for c in confirms] == [f"{prefix}booking/confirm/{held}", f"{prefix}booking/confirm/{booked}"]
    assert confirms[0].json() == {
        "booking_id": str(held),
        "showing_id": str(sid),
        "status": "pending",
        "seat_ids": [str(a1.id), str(a2.id)],
        "timestamp": rfc3339(T0),
    }
    for message in confirms:
        assert "ann" not in message.payload.decode().lower()
        assert "email" not in message.json() and "name" not in message.json()

    (snapshot,) = await retained_under(mqtt_url, f"{prefix}seats/snapshot/{sid}", prefix + "marker")
    body = snapshot.json()
    statuses = {s["label"]: s["status"] for s in body["seats"]}
    assert (body["showing_id"], body["version"], body["available_seats"]) == (str(sid), 3, 6)
    assert statuses == {
        "A1": "held",
        "A2": "held",
        "A3": "booked",
        "A4": "available",
        "A5": "available",
        "B1": "available",
        "B2": "available",
        "B3": "available",
        "B4": "available",
        "B5": "blocked",
    }
    # The same read model answers GET /showings/{id}/seats.
    async with uow() as reader:
        seat_map = await reader.seat_maps.seat_map_document(sid, datetime.now(UTC))
    assert seat_map is not None
    assert body["seats"] == [
        {"seat_id": s["seat_id"], "label": s["label"], "status": s["status"]}
        for s in json.loads(seat_map.document)["seats"]
    ]
    rows = await outbox_rows(clean_db)
    assert {(r.status, r.attempts) for r in rows} == {("sent", 1)}
    assert all(r.sent_at is not None for r in rows)


async def test_showing_update_is_retained_then_cleared_on_delete(
    clean_db: AsyncEngine, database_url: str, mqtt_url: str, prefix: str, uow: UnitOfWorkFactory, mailer: FileMailer
) -> None:
    world = await make_world(clean_db, rows=1, per_row=4)
    sid = world.showing.id
    publisher = await started_publisher(mqtt_url, prefix)
    try:
        async with running_relay(clean_db, database_url, publisher, mailer):
            await record(uow, ShowingChanged(occurred_at=T0, showing_id=sid, kind=ShowingEventKind.CREATED))
            await eventually(lambda: all_sent(clean_db), "the update is published")
            (update_message,) = await retained_under(mqtt_url, f"{prefix}showing/update/{sid}", prefix + "marker")
            assert update_message.json() | {"timestamp": None} == {
                "showing_id": str(sid),
                "event": "created",
                "status": "scheduled",
                "start_time": rfc3339(world.showing.start_time),
                "end_time": rfc3339(world.showing.end_time),
                "price": "10.00",
                "capacity": 4,
                "available_seats": 4,
                "timestamp": None,
            }
            assert update_message.json()["timestamp"].endswith("Z")

            async with collect(mqtt_url, prefix + "#") as seen:
                await record(
                    uow,
                    ShowingChanged(occurred_at=T0, showing_id=sid, kind=ShowingEventKind.DELETED),
                    sql=[t.showings.delete().where(t.showings.c.id == sid)],
                )
                await eventually(lambda: len([m for m in seen.messages if not m.retain]) == 2, "two messages")
                await eventually(lambda: all_sent(clean_db), "the clearing is published")
                cleared = [m for m in seen.messages if not m.retain]
            assert sorted((m.topic, m.payload) for m in cleared) == [
                (f"{prefix}seats/snapshot/{sid}", b""),
                (f"{prefix}showing/update/{sid}", b""),
            ]
    finally:
        await publisher.stop()
    assert await retained_under(mqtt_url, prefix + "showing/#", prefix + "marker") == []
    assert await retained_under(mqtt_url, prefix + "seats/snapshot/#", prefix + "marker") == []


class WatchedPublisher(EventPublisher):
    """The publisher the relay sees, counting its rounds: every round of the relay asks ``connected`` first, and a
    round that finds the broker away claims nothing. Waiting for rounds is waiting for a positive signal."""

    def __init__(self, inner: EventPublisher) -> None:
        self._inner = inner
        self.checks = 0

    @property
    def connected(self) -> bool:
        self.checks += 1
        return self._inner.connected

    async def publish(self, topic: str, payload: bytes, *, retain: bool = False) -> None:
        await self._inner.publish(topic, payload, retain=retain)

    async def rounds_go_by(self, count: int) -> None:
        """Returns once ``count`` more rounds have begun, each after the rows written so far were committed."""
        target = self.checks + count
        await eventually(lambda: self.checks >= target, f"{count} relay rounds")


async def test_rows_wait_while_the_broker_is_down_and_all_arrive_in_order_after(
    clean_db: AsyncEngine, database_url: str, mqtt_url: str, prefix: str, uow: UnitOfWorkFactory, mailer: FileMailer
) -> None:
    host, port = mqtt_url.split("://", 1)[1].rsplit(":", 1)
    gate = TcpGate(host, int(port))  # closed: the broker is unreachable at the publisher's address
    showing = uuid4()
    async with collect(mqtt_url, prefix + "seats/status/#") as seen:
        publisher = await started_publisher(gate.url, prefix)
        watched = WatchedPublisher(publisher)
        try:
            async with running_relay(clean_db, database_url, watched, mailer):
                for version in (1, 2, 3):
                    await record(uow, delta(showing, version))
                await watched.rounds_go_by(3)  # relay rounds that saw the rows, and left them alone
                assert not publisher.connected
                assert [(r.status, r.attempts) for r in await outbox_rows(clean_db)] == [("pending", 0)] * 6

                await gate.open()  # the broker is back
                await seen.wait_for(3)
                await eventually(lambda: all_sent(clean_db), "the first rows are marked sent")

                await gate.close()  # it goes away again, under a live connection
                await eventually(lambda: not publisher.connected, "the publisher notices")
                for version in (4, 5, 6):
                    await record(uow, delta(showing, version))
                await watched.rounds_go_by(3)
                assert [(r.status, r.attempts) for r in await outbox_rows(clean_db)][6:] == [("pending", 0)] * 6

                await gate.open()
                await seen.wait_for(6)
                await eventually(lambda: all_sent(clean_db), "every row marked sent")
        finally:
            await publisher.stop()
            await gate.close()
    assert versions(seen.messages) == [1, 2, 3, 4, 5, 6]


async def test_a_showings_batch_is_pipelined_and_arrives_in_version_order(
    clean_db: AsyncEngine,
    database_url: str,
    mqtt_url: str,
    prefix: str,
    uow: UnitOfWorkFactory,
    mailer: FileMailer,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A backlog of one showing goes out in one batch with every message in flight at once (the relay does not
    wait for each acknowledgement), and the real broker hands them on in version order, without a warning per
    message from aiomqtt about pending publishes."""
    showing = uuid4()
    await record(uow, *(delta(showing, version) for version in range(1, 151)))
    async with collect(mqtt_url, prefix + "seats/status/#") as seen:
        publisher = await started_publisher(mqtt_url, prefix)
        try:
            with caplog.at_level(logging.WARNING):
                async with running_relay(clean_db, database_url, publisher, mailer):
                    await seen.wait_for(150)
                    await eventually(lambda: all_sent(clean_db), "every row marked sent")
        finally:
            await publisher.stop()
    assert versions(seen.messages) == list(range(1, 151))
    assert not [r for r in caplog.records if "pending publish calls" in r.getMessage()]


async def test_a_batch_that_died_mid_way_is_delivered_by_the_next_relay(
    clean_db: AsyncEngine, database_url: str, mqtt_url: str, prefix: str, uow: UnitOfWorkFactory, mailer: FileMailer
) -> None:
    showing = uuid4()
    for version in (1, 2):
        await record(uow, delta(showing, version))

    async def die_mid_batch() -> None:
        async with PostgresOutboxClaimer(clean_db).claim(OutboxChannel.MQTT, datetime.now(UTC), 10) as batch:
            await batch.mark_sent([m.id for m in batch.messages], datetime.now(UTC))
            raise RuntimeError("killed before commit")

    with pytest.raises(RuntimeError):
        await die_mid_batch()
    assert {r.status for r in await outbox_rows(clean_db)} == {"pending"}

    async with collect(mqtt_url, prefix + "seats/status/#") as seen:
        publisher = await started_publisher(mqtt_url, prefix)
        try:
            async with running_relay(clean_db, database_url, publisher, mailer):
                await seen.wait_for(2)
                await eventually(lambda: all_sent(clean_db), "every row marked sent")
        finally:
            await publisher.stop()
    assert versions(seen.messages) == [1, 2]


async def test_two_relays_deliver_each_row_once_and_in_order_per_showing(
    clean_db: AsyncEngine, database_url: str, mqtt_url: str, prefix: str, uow: UnitOfWorkFactory, mailer: FileMailer
) -> None:
    worlds = [await make_world(clean_db, rows=1, per_row=3) for _ in range(20)]
    engines = [create_async_engine(database_url, pool_size=5) for _ in range(2)]
    publishers = [await started_publisher(mqtt_url, prefix) for _ in range(2)]
    status_filter = prefix + "seats/status/#"
    try:
        async with collect(mqtt_url, status_filter) as seen:
            async with (
                running_relay(engines[0], database_url, publishers[0], mailer, mqtt_batch_size=7),
                running_relay(engines[1], database_url, publishers[1], mailer, mqtt_batch_size=7),
            ):

                async def write(world: World) -> None:
                    for version in range(1, 11):
                        await record(uow, delta(world.showing.id, version), sql=[bump(world, version)])

                await asyncio.gather(*(write(w) for w in worlds))
                await seen.wait_for(200)
                await eventually(lambda: all_sent(clean_db), "every row marked sent")
            # Every row was acknowledged by the broker before it was marked sent; the marker, published after,
            # reaches this subscriber after all of them: nothing more is on its way.
            await retained_under(mqtt_url, prefix + "marker-topic/#", prefix + "marker-topic/m")
            received = seen.on(prefix + "seats/status/")
    finally:
        for publisher in publishers:
            await publisher.stop()
        for engine in engines:
            await engine.dispose()

    assert len(received) == 200
    for world in worlds:
        mine = [m for m in received if m.topic == f"{prefix}seats/status/{world.showing.id}"]
        assert versions(mine) == list(range(1, 11))
    rows = await outbox_rows(clean_db)
    assert len(rows) == 400
    assert {(r.status, r.attempts) for r in rows} == {("sent", 1)}


async def test_notify_wakes_the_relay_and_the_listener_reconnects(
    clean_db: AsyncEngine, database_url: str, mqtt_url: str, prefix: str, uow: UnitOfWorkFactory, mailer: FileMailer
) -> None:
    showing = uuid4()
    listener = PostgresOutboxListener(asyncpg_dsn(database_url), backoff_initial=0.05)
    async with collect(mqtt_url, prefix + "seats/status/#") as seen:
        publisher = await started_publisher(mqtt_url, prefix)
        try:
            await eventually(lambda: publisher.connected, "the publisher connects")
            # No polling to speak of: only NOTIFY can wake this relay.
            async with running_relay(clean_db, database_url, publisher, mailer, poll_seconds=3600, listener=listener):
                await eventually(lambda: listener.listening, "the listener connects")
                await record(uow, delta(showing, 1))
                await seen.wait_for(1)

                async with clean_db.connect() as conn:
                    await conn.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": listener.backend_pid})
                await eventually(lambda: listener.connections == 2 and listener.listening, "the listener reconnects")
                await record(uow, delta(showing, 2))
                await seen.wait_for(2)
        finally:
            await publisher.stop()
    assert versions(seen.messages) == [1, 2]
