"""The relay's rules on the in-memory outbox: order per showing, coalesced retained messages, back-off, give-up."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from uuid import UUID, uuid4

import pytest

from lynriescoop.adapters.memory.delivery import MemoryOutboxClaimer
from lynriescoop.adapters.memory.store import MemoryStore
from lynriescoop.adapters.memory.unit_of_work import MemoryUnitOfWork
from lynriescoop.application.delivery.relay import OutboxRelay, RetryPolicy
from lynriescoop.application.delivery.routing import route_event
from lynriescoop.application.ports.delivery import (
    BookingEmail,
    MailDeliveryError,
    OutboxChannel,
    OutboxStatus,
    PublishFailed,
    SeatSnapshot,
    ShowingSummary,
)
from lynriescoop.domain.events import (
    BookingConfirmed,
    BookingStatusChanged,
    DomainEvent,
    SeatChangeReason,
    SeatsChanged,
    SeatState,
    ShowingChanged,
    ShowingEventKind,
)
from lynriescoop.domain.formats import rfc3339
from tests.factories import MutableClock, booking_details

T0 = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)


class FakePublisher:
    def __init__(self) -> None:
        self.connected = True
        self.published: list[tuple[str, bytes, bool]] = []
        self.fail_topics: set[str] = set()
        self.drop_after: int | None = None

    async def publish(self, topic: str, payload: bytes, *, retain: bool = False) -> None:
        if not self.connected:
            raise PublishFailed("not connected")
        if topic in self.fail_topics:
            raise PublishFailed("broker said no")
        self.published.append((topic, payload, retain))
        if self.drop_after is not None and len(self.published) >= self.drop_after:
            self.connected = False

    def versions(self, showing: UUID) -> list[int]:
        return [json.loads(p)["version"] for t, p, _ in self.published if t == f"seats/status/{showing}"]


class FakeMailer:
    def __init__(self) -> None:
        self.sent: list[BookingEmail] = []
        self.failures = 0

    async def send(self, email: BookingEmail) -> None:
        if self.failures:
            self.failures -= 1
            raise MailDeliveryError("SMTP 451: try again later")
        self.sent.append(email)

    def health(self) -> str:
        return "ok"


class FakeSnapshots:
    def __init__(self) -> None:
        self.maps: dict[UUID, SeatSnapshot] = {}
        self.summaries: dict[UUID, ShowingSummary] = {}
        self.reads = 0

    async def seat_snapshots(self, showing_ids: Sequence[UUID], now: datetime) -> Mapping[UUID, SeatSnapshot]:
        self.reads += 1
        return {sid: self.maps[sid] for sid in showing_ids if sid in self.maps}

    async def showing_summary(self, showing_id: UUID, now: datetime) -> ShowingSummary | None:
        self.reads += 1
        return self.summaries.get(showing_id)


class Setup:
    def __init__(self) -> None:
        self.store = MemoryStore()
        # The in-memory outbox stamps rows with the wall clock; the relay's clock starts just after it.
        self.clock = MutableClock(datetime.now(UTC) + timedelta(minutes=1))
        self.publisher = FakePublisher()
        self.mailer = FakeMailer()
        self.snapshots = FakeSnapshots()
        self.relay = OutboxRelay(
            MemoryOutboxClaimer(self.store),
            self.publisher,
            self.mailer,
            self.snapshots,
            self.clock,
            retry=RetryPolicy(base_seconds=1, cap_seconds=300, mqtt_cap_seconds=30, max_email_attempts=5),
        )

    async def record(self, *events: DomainEvent) -> None:
        async with MemoryUnitOfWork(self.store, route_event) as uow:
            uow.record(*events)
            await uow.commit()

    def rows(self) -> list[tuple[str, OutboxStatus, int]]:
        return [
            (m.destination, self.store.state.outbox_rows[i + 1].status, self.store.state.outbox_rows[i + 1].attempts)
            for i, m in enumerate(self.store.state.outbox)
        ]

    def row(self, entry_id: int) -> tuple[OutboxStatus, int, str | None, datetime]:
        r = self.store.state.outbox_rows[entry_id]
        return r.status, r.attempts, r.last_error, r.available_at


def seats_changed(showing: UUID, version: int, reason: SeatChangeReason = SeatChangeReason.HELD) -> SeatsChanged:
    return SeatsChanged(
        occurred_at=T0, showing_id=showing, version=version, reason=reason, seats=(SeatState(uuid4(), "A1", "held"),)
    )


def email_event(name: str = "Ann") -> BookingConfirmed:
    details = booking_details(
        recipient_name=name,
        movie_title="Dune",
        start_time=T0 + timedelta(days=2),
        seat_labels=("A1",),
        total_price=Decimal("10.00"),
    )
    return BookingConfirmed(occurred_at=T0, booking_id=uuid4(), details=details)


@pytest.fixture
def s() -> Setup:
    return Setup()


async def test_deltas_go_out_in_order_and_snapshots_once_from_the_current_map(s: Setup) -> None:
    showing = uuid4()
    seat = uuid4()
    seats = json.dumps([{"seat_id": str(seat), "label": "A1", "status": "booked"}]).encode()
    s.snapshots.maps[showing] = SeatSnapshot(showing, 3, 0, seats)
    for version in (1, 2, 3):
        await s.record(seats_changed(showing, version))

    outcome = await s.relay.relay_mqtt()

    assert (outcome.sent, outcome.failed, outcome.held_back) == (6, 0, 0)
    assert s.publisher.versions(showing) == [1, 2, 3]
    snapshots = [(p, r) for t, p, r in s.publisher.published if t == f"seats/snapshot/{showing}"]
    assert len(snapshots) == 1
    payload, retained = snapshots[0]
    assert retained is True
    assert json.loads(payload) == {
        "showing_id": str(showing),
        "version": 3,
        "available_seats": 0,
        "seats": [{"seat_id": str(seat), "label": "A1", "status": "booked"}],
        "timestamp": rfc3339(s.clock.now()),
    }
    assert s.publisher.published[-1][0] == f"seats/snapshot/{showing}"  # after the deltas
    assert {status for _, status, _ in s.rows()} == {OutboxStatus.SENT}
    assert {attempts for _, _, attempts in s.rows()} == {1}


async def test_nothing_is_claimed_while_the_broker_is_disconnected(s: Setup) -> None:
    await s.record(seats_changed(uuid4(), 1))
    s.publisher.connected = False
    outcome = await s.relay.relay_mqtt()
    assert (outcome.sent, outcome.failed) == (0, 0)
    assert [(status, attempts) for _, status, attempts in s.rows()] == [(OutboxStatus.PENDING, 0)] * 2


async def test_a_failed_publish_holds_back_the_rest_of_its_showing_only(s: Setup) -> None:
    first, second = uuid4(), uuid4()
    for version in (1, 2, 3):
        await s.record(seats_changed(first, version))
    await s.record(seats_changed(second, 1))
    s.snapshots.maps[first] = SeatSnapshot(first, 3, 1, b"[]")
    s.snapshots.maps[second] = SeatSnapshot(second, 1, 1, b"[]")
    original_publish = s.publisher.publish
    calls = {"n": 0}

    async def flaky(topic: str, payload: bytes, *, retain: bool = False) -> None:
        # A timed-out acknowledgement: the message left on the connection (the broker got it), the ack did not come.
        await original_publish(topic, payload, retain=retain)
        if topic == f"seats/status/{first}" and json.loads(payload)["version"] == 2 and calls["n"] == 0:
            calls["n"] += 1
            raise PublishFailed("timed out")

    s.publisher.publish = flaky  # type: ignore[method-assign]

    outcome = await s.relay.relay_mqtt()
    # Pipelined: v3 was already on its way behind v2, in order.
    assert s.publisher.versions(first) == [1, 2, 3]
    assert s.publisher.versions(second) == [1]
    assert outcome.failed == 1
    # id 3 is first's v2 delta: backed off 2 s (1 s * 2**1) with the error kept; v3, past the failure, is not
    # marked: it goes out again after v2.
    assert s.row(3) == (OutboxStatus.PENDING, 1, "PublishFailed: timed out", s.clock.now() + timedelta(seconds=2))
    assert s.row(5)[:2] == (OutboxStatus.PENDING, 0)

    # Before the back-off ends, v3 is due but held back behind v2: no delta of that showing overtakes it (only the
    # v1 snapshot row, which sits before v2 and shows the current map, may go).
    s.clock.advance(timedelta(seconds=1))
    s.publisher.published.clear()
    held = await s.relay.relay_mqtt()
    assert held.held_back > 0
    assert [t for t, _, _ in s.publisher.published] == [f"seats/snapshot/{first}"]

    s.clock.advance(timedelta(seconds=2))
    await s.relay.relay_mqtt()
    assert s.publisher.versions(first) == [2, 3]  # again, in order: at least once
    assert {status for _, status, _ in s.rows()} == {OutboxStatus.SENT}


async def test_a_showings_rows_are_all_in_flight_at_once_and_leave_in_order(s: Setup) -> None:
    """A showing's rows do not wait for each other's acknowledgement: every publish of the batch has started before
    the first one is acknowledged, and they started in version order."""
    showing = uuid4()
    for version in range(1, 6):
        await s.record(seats_changed(showing, version))
    s.snapshots.maps[showing] = SeatSnapshot(showing, 5, 1, b"[]")
    original_publish = s.publisher.publish
    started: list[int] = []
    acks = asyncio.Event()

    async def slow_acks(topic: str, payload: bytes, *, retain: bool = False) -> None:
        if topic.startswith("seats/status/"):
            started.append(json.loads(payload)["version"])
            await original_publish(topic, payload, retain=retain)
            if len(started) == 5:
                acks.set()
            await acks.wait()  # no acknowledgement until all five are out
        else:
            await original_publish(topic, payload, retain=retain)

    s.publisher.publish = slow_acks  # type: ignore[method-assign]
    outcome = await asyncio.wait_for(s.relay.relay_mqtt(), 5)
    assert started == [1, 2, 3, 4, 5]
    assert outcome.sent == 10  # five deltas and five snapshot rows (one message)
    # The snapshot follows the deltas.
    assert [t.split("/")[1] for t, _, _ in s.publisher.published] == ["status"] * 5 + ["snapshot"]


async def test_a_broker_lost_mid_batch_leaves_the_rest_pending_without_counting_it(s: Setup) -> None:
    showing = uuid4()
    for version in (1, 2, 3, 4):
        await s.record(seats_changed(showing, version))
    s.publisher.drop_after = 2
    await s.relay.relay_mqtt()
    assert s.publisher.versions(showing) == [1, 2]
    assert [(st, a) for d, st, a in s.rows() if "status" in d] == [
        (OutboxStatus.SENT, 1),
        (OutboxStatus.SENT, 1),
        (OutboxStatus.PENDING, 0),
        (OutboxStatus.PENDING, 0),
    ]
    s.publisher.connected, s.publisher.drop_after = True, None
    await s.relay.relay_mqtt()
    assert s.publisher.versions(showing) == [1, 2, 3, 4]


async def test_showing_update_is_built_at_publish_time_and_cleared_on_delete(s: Setup) -> None:
    showing = uuid4()
    start = T0 + timedelta(days=1)
    s.snapshots.summaries[showing] = ShowingSummary(
        showing, "scheduled", start, start + timedelta(hours=2), Decimal("9.5"), 50, 48
    )
    await s.record(ShowingChanged(occurred_at=T0, showing_id=showing, kind=ShowingEventKind.CREATED))
    await s.record(ShowingChanged(occurred_at=T0, showing_id=showing, kind=ShowingEventKind.UPDATED))
    await s.relay.relay_mqtt()
    (update,) = [(p, r) for t, p, r in s.publisher.published if t == f"showing/update/{showing}"]
    assert update[1] is True
    assert json.loads(update[0]) == {
        "showing_id": str(showing),
        "event": "updated",
        "status": "scheduled",
        "start_time": rfc3339(start),
        "end_time": rfc3339(start + timedelta(hours=2)),
        "price": "9.50",
        "capacity": 50,
        "available_seats": 48,
        "timestamp": rfc3339(s.clock.now()),
    }

    s.publisher.published.clear()
    del s.snapshots.summaries[showing]
    await s.record(ShowingChanged(occurred_at=T0, showing_id=showing, kind=ShowingEventKind.DELETED))
    await s.relay.relay_mqtt()
    assert sorted(s.publisher.published) == [
        (f"seats/snapshot/{showing}", b"", True),
        (f"showing/update/{showing}", b"", True),
    ]


async def test_booking_status_goes_out_with_its_showings_stream(s: Setup) -> None:
    showing, booking = uuid4(), uuid4()
    await s.record(
        seats_changed(showing, 1),
        BookingStatusChanged(
            occurred_at=T0,
            booking_id=booking,
            showing_id=showing,
            user_id=uuid4(),
            status="pending",
            seat_ids=(uuid4(),),
        ),
    )
    await s.relay.relay_mqtt()
    topics = [t for t, _, _ in s.publisher.published]
    assert topics[:2] == [f"seats/status/{showing}", f"booking/confirm/{booking}"]


async def test_email_failures_back_off_then_fail_after_five_attempts(s: Setup) -> None:
    await s.record(email_event())
    s.mailer.failures = 100
    delays = []
    for attempt in range(1, 6):
        outcome = await s.relay.relay_email()
        assert outcome.failed == 1
        status, attempts, error, available_at = s.row(1)
        assert (attempts, error) == (attempt, "SMTP 451: try again later")
        if attempt < 5:
            assert status is OutboxStatus.PENDING
            delays.append(available_at - s.clock.now())
            assert (await s.relay.relay_email()).failed == 0  # not due yet
            s.clock.current = available_at
        else:
            assert status is OutboxStatus.FAILED
    assert delays == [timedelta(seconds=2), timedelta(seconds=4), timedelta(seconds=8), timedelta(seconds=16)]
    s.clock.advance(timedelta(hours=1))
    assert (await s.relay.relay_email()).failed == 0  # a failed row is never taken again by itself
    assert s.mailer.sent == []


async def test_email_recovers_while_attempts_remain(s: Setup) -> None:
    await s.record(email_event(name="Bo"))
    s.mailer.failures = 2
    for _ in range(2):
        await s.relay.relay_email()
        s.clock.current = s.row(1)[3]
    outcome = await s.relay.relay_email()
    assert outcome.sent == 1
    assert s.row(1)[:2] == (OutboxStatus.SENT, 3)
    assert [e.details.recipient_name for e in s.mailer.sent] == ["Bo"]


async def test_a_malformed_email_row_fails_with_a_clear_error(s: Setup) -> None:
    await s.record(email_event())
    s.store.state.outbox[0] = type(s.store.state.outbox[0])(
        channel=OutboxChannel.EMAIL, destination="ann@example.com", payload={"kind": "booking_confirmed"}
    )
    await s.relay.relay_email()
    status, attempts, error, _ = s.row(1)
    assert (status, attempts) == (OutboxStatus.PENDING, 1)
    assert error is not None and error.startswith("malformed email row: KeyError")


async def test_mqtt_back_off_is_capped_lower_than_email(s: Setup) -> None:
    policy = RetryPolicy()
    assert policy.delay(OutboxChannel.MQTT, 10) == timedelta(seconds=30)
    assert policy.delay(OutboxChannel.EMAIL, 10) == timedelta(seconds=300)
    assert policy.delay(OutboxChannel.EMAIL, 1) == timedelta(seconds=2)


async def test_deltas_do_not_wait_for_the_snapshot_read(s: Setup) -> None:
    showing = uuid4()
    s.snapshots.maps[showing] = SeatSnapshot(showing, 1, 0, b"[]")
    await s.record(seats_changed(showing, 1))
    read_started, release_read = asyncio.Event(), asyncio.Event()
    published_before_read: list[str] = []
    original = s.snapshots.seat_snapshots

    async def slow_read(showing_ids: Sequence[UUID], now: datetime) -> Mapping[UUID, SeatSnapshot]:
        read_started.set()
        await release_read.wait()
        published_before_read.extend(topic for topic, _, _ in s.publisher.published)
        return await original(showing_ids, now)

    s.snapshots.seat_snapshots = slow_read  # type: ignore[method-assign]
    relaying = asyncio.create_task(s.relay.relay_mqtt())
    await asyncio.wait_for(read_started.wait(), 5)
    for _ in range(20):  # let the deltas go out while the read is held
        await asyncio.sleep(0)
    release_read.set()
    outcome = await asyncio.wait_for(relaying, 5)

    assert f"seats/status/{showing}" in published_before_read
    assert outcome.sent == 2
    assert [t for t, _, _ in s.publisher.published] == [f"seats/status/{showing}", f"seats/snapshot/{showing}"]


async def test_a_failed_snapshot_read_marks_nothing_and_everything_goes_out_again(s: Setup) -> None:
    showing = uuid4()
    s.snapshots.maps[showing] = SeatSnapshot(showing, 1, 0, b"[]")
    await s.record(seats_changed(showing, 1))

    async def broken_read(showing_ids: Sequence[UUID], now: datetime) -> Mapping[UUID, SeatSnapshot]:
        raise RuntimeError("the database went away")

    original = s.snapshots.seat_snapshots
    s.snapshots.seat_snapshots = broken_read  # type: ignore[method-assign]
    with pytest.raises(RuntimeError, match="went away"):
        await s.relay.relay_mqtt()
    assert {status for _, status, _ in s.rows()} == {OutboxStatus.PENDING}

    s.snapshots.seat_snapshots = original  # type: ignore[method-assign]
    outcome = await s.relay.relay_mqtt()
    assert outcome.sent == 2
    assert {status for _, status, _ in s.rows()} == {OutboxStatus.SENT}
