"""The outbox behaves the same in memory and in PostgreSQL: the operators' repository and the relay's claimer."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from uuid import UUID, uuid4

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from lynriescoop.adapters.memory.delivery import MemoryOutboxClaimer
from lynriescoop.adapters.memory.store import MemoryStore
from lynriescoop.adapters.memory.unit_of_work import MemoryUnitOfWork
from lynriescoop.adapters.postgres.delivery import PostgresOutboxClaimer
from lynriescoop.adapters.postgres.engine import make_session_factory
from lynriescoop.adapters.postgres.unit_of_work import PostgresUnitOfWork
from lynriescoop.application.delivery.routing import route_event
from lynriescoop.application.ports.delivery import OutboxChannel, OutboxClaimer, OutboxFilter, OutboxKind, OutboxStatus
from lynriescoop.application.ports.unit_of_work import UnitOfWorkFactory
from lynriescoop.domain.events import (
    BookingConfirmed,
    DomainEvent,
    SeatChangeReason,
    SeatsChanged,
    SeatState,
)
from tests.factories import booking_details

T0 = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)


@dataclass
class Backend:
    uow_factory: UnitOfWorkFactory
    claimer: OutboxClaimer

    async def record(self, *events: DomainEvent) -> None:
        async with self.uow_factory() as uow:
            uow.record(*events)
            await uow.commit()


@pytest.fixture(params=["memory", pytest.param("postgres", marks=pytest.mark.postgres)])
def backend(request: pytest.FixtureRequest) -> Iterator[Backend]:
    if request.param == "memory":
        store = MemoryStore()
        yield Backend(lambda: MemoryUnitOfWork(store, route_event), MemoryOutboxClaimer(store))
        return
    engine: AsyncEngine = request.getfixturevalue("clean_db")
    sessions = make_session_factory(engine)
    yield Backend(lambda: PostgresUnitOfWork(sessions, route_event), PostgresOutboxClaimer(engine))


def now() -> datetime:
    # Rows are due from their insertion (the storage's clock): claim "now" a little ahead of it.
    return datetime.now(UTC) + timedelta(seconds=5)


def seats_changed(showing: UUID, version: int) -> SeatsChanged:
    return SeatsChanged(
        occurred_at=T0,
        showing_id=showing,
        version=version,
        reason=SeatChangeReason.BOOKED,
        seats=(SeatState(uuid4(), "A1", "booked"),),
    )


def confirmed_email(recipient: str = "ann@example.com") -> BookingConfirmed:
    details = booking_details(
        recipient_email=recipient, movie_title="Dune", start_time=T0, seat_labels=("A1",), total_price=Decimal("10.00")
    )
    return BookingConfirmed(occurred_at=T0, booking_id=uuid4(), details=details)


async def test_recorded_events_are_listed_newest_first(backend: Backend) -> None:
    showing = uuid4()
    await backend.record(seats_changed(showing, 1))
    await backend.record(confirmed_email())
    async with backend.uow_factory() as uow:
        page = await uow.outbox.list(OutboxFilter(), limit=10, offset=0)
    assert page.total == 3
    assert [(e.channel, e.kind, e.destination) for e in page.items] == [
        (OutboxChannel.EMAIL, OutboxKind.BOOKING_CONFIRMED_EMAIL, "ann@example.com"),
        (OutboxChannel.MQTT, OutboxKind.SEAT_SNAPSHOT, f"seats/snapshot/{showing}"),
        (OutboxChannel.MQTT, OutboxKind.SEATS_DELTA, f"seats/status/{showing}"),
    ]
    ids = [e.id for e in page.items]
    assert ids == sorted(ids, reverse=True)
    for entry in page.items:
        assert (entry.status, entry.attempts, entry.last_error, entry.sent_at) == (OutboxStatus.PENDING, 0, None, None)
        assert entry.created_at.tzinfo is not None


async def test_filters_and_paging(backend: Backend) -> None:
    for version in range(1, 4):
        await backend.record(seats_changed(uuid4(), version))
    await backend.record(confirmed_email("a@example.com"), confirmed_email("b@example.com"))
    async with backend.uow_factory() as uow:
        emails = await uow.outbox.list(OutboxFilter(channel=OutboxChannel.EMAIL), limit=1, offset=1)
        mqtt = await uow.outbox.list(OutboxFilter(channel=OutboxChannel.MQTT), limit=100, offset=0)
        sent = await uow.outbox.list(OutboxFilter(status=OutboxStatus.SENT), limit=10, offset=0)
        pending_mqtt = await uow.outbox.list(
            OutboxFilter(status=OutboxStatus.PENDING, channel=OutboxChannel.MQTT), limit=2, offset=4
        )
    assert (emails.total, emails.limit, emails.offset) == (2, 1, 1)
    assert [e.destination for e in emails.items] == ["a@example.com"]
    assert mqtt.total == 6
    assert (sent.total, list(sent.items)) == (0, [])
    assert (pending_mqtt.total, len(pending_mqtt.items)) == (6, 2)
    assert [e.id for e in pending_mqtt.items] == [e.id for e in mqtt.items][4:6]


async def test_get_and_requeue_unknown_rows(backend: Backend) -> None:
    async with backend.uow_factory() as uow:
        assert await uow.outbox.get(424242) is None
        assert await uow.outbox.requeue(424242, T0) is None


async def test_claim_takes_due_rows_of_one_channel_in_id_order(backend: Backend) -> None:
    showing = uuid4()
    await backend.record(confirmed_email())
    for version in (1, 2):
        await backend.record(seats_changed(showing, version))
    async with backend.claimer.claim(OutboxChannel.MQTT, now(), limit=3) as batch:
        assert [(m.kind, m.version) for m in batch.messages] == [
            (OutboxKind.SEATS_DELTA, 1),
            (OutboxKind.SEAT_SNAPSHOT, 1),
            (OutboxKind.SEATS_DELTA, 2),
        ]
        assert batch.held_back == 0
        assert all(m.showing_id == showing and m.attempts == 0 for m in batch.messages)
        assert batch.messages[0].payload["version"] == 1
    async with backend.claimer.claim(OutboxChannel.EMAIL, now(), limit=10) as batch:
        assert [m.destination for m in batch.messages] == ["ann@example.com"]
    async with backend.claimer.claim(OutboxChannel.EMAIL, T0 - timedelta(days=1), limit=10) as batch:
        assert list(batch.messages) == []  # nothing is due yet at that moment


async def test_marks_are_kept_when_the_batch_ends_and_dropped_when_it_raises(backend: Backend) -> None:
    await backend.record(seats_changed(uuid4(), 1), confirmed_email())
    at = now()
    async with backend.claimer.claim(OutboxChannel.MQTT, at, limit=10) as batch:
        delta, snapshot = batch.messages
        await batch.mark_sent([delta.id], at)
        await batch.mark_failed(snapshot.id, attempts=1, error="PublishFailed: timed out", retry_at=at + timedelta(1))

    async def die_mid_batch() -> None:
        async with backend.claimer.claim(OutboxChannel.EMAIL, at, limit=10) as batch:
            (email,) = batch.messages
            await batch.mark_sent([email.id], at)
            raise RuntimeError("the process died mid-batch")

    with pytest.raises(RuntimeError):
        await die_mid_batch()
    async with backend.uow_factory() as uow:
        entries = {e.kind: e for e in (await uow.outbox.list(OutboxFilter(), 10, 0)).items}
    sent = entries[OutboxKind.SEATS_DELTA]
    assert (sent.status, sent.attempts, sent.sent_at) == (OutboxStatus.SENT, 1, at)
    failed = entries[OutboxKind.SEAT_SNAPSHOT]
    assert (failed.status, failed.attempts, failed.last_error) == (OutboxStatus.PENDING, 1, "PublishFailed: timed out")
    assert failed.available_at == at + timedelta(days=1)
    untouched = entries[OutboxKind.BOOKING_CONFIRMED_EMAIL]
    assert (untouched.status, untouched.attempts, untouched.sent_at) == (OutboxStatus.PENDING, 0, None)


async def test_give_up_then_requeue(backend: Backend) -> None:
    await backend.record(confirmed_email())
    at = now()
    async with backend.claimer.claim(OutboxChannel.EMAIL, at, limit=10) as batch:
        (email,) = batch.messages
        await batch.mark_failed(email.id, attempts=5, error="SMTP 550: no such user", retry_at=None)
    async with backend.uow_factory() as uow:
        failed = await uow.outbox.get(email.id)
    assert failed is not None
    assert (failed.status, failed.attempts, failed.last_error) == (OutboxStatus.FAILED, 5, "SMTP 550: no such user")
    async with backend.claimer.claim(OutboxChannel.EMAIL, at + timedelta(days=1), limit=10) as batch:
        assert list(batch.messages) == []  # failed rows are never taken again by themselves

    later = at + timedelta(minutes=1)
    async with backend.uow_factory() as uow:
        queued = await uow.outbox.requeue(email.id, later)
        await uow.commit()
    assert queued is not None
    assert (queued.status, queued.attempts, queued.available_at, queued.sent_at) == (
        OutboxStatus.PENDING,
        0,
        later,
        None,
    )
    assert queued.last_error == "SMTP 550: no such user"
    async with backend.claimer.claim(OutboxChannel.EMAIL, later, limit=10) as batch:
        assert [m.id for m in batch.messages] == [email.id]


async def test_a_showing_waits_behind_its_earlier_rows_held_elsewhere(backend: Backend) -> None:
    first, second = uuid4(), uuid4()
    for version in (1, 2, 3):
        await backend.record(seats_changed(first, version))
    await backend.record(seats_changed(second, 1))
    at = now()
    async with backend.claimer.claim(OutboxChannel.MQTT, at, limit=2) as one:
        assert [(m.showing_id, m.version) for m in one.messages] == [(first, 1), (first, 1)]
        async with backend.claimer.claim(OutboxChannel.MQTT, at, limit=100) as other:
            # The other relay skips the rows the first holds, and may not overtake them for that showing.
            assert [(m.showing_id, m.version) for m in other.messages] == [(second, 1), (second, 1)]
            assert other.held_back == 4


async def test_a_row_waiting_for_its_back_off_holds_back_its_showing(backend: Backend) -> None:
    first, second = uuid4(), uuid4()
    await backend.record(seats_changed(first, 1))
    at = now()
    async with backend.claimer.claim(OutboxChannel.MQTT, at, limit=1) as batch:
        (delta,) = batch.messages
        await batch.mark_failed(delta.id, attempts=1, error="x", retry_at=at + timedelta(hours=1))
    await backend.record(seats_changed(first, 2), seats_changed(second, 1))
    async with backend.claimer.claim(OutboxChannel.MQTT, now(), limit=100) as batch:
        assert {m.showing_id for m in batch.messages} == {second}
        assert batch.held_back == 3  # first's v1 snapshot and v2 delta and snapshot wait behind the delta of v1


async def test_purge_forgets_only_rows_sent_before_the_cut(backend: Backend) -> None:
    """The outbox purger's query: sent rows older than the retention go; pending, failed and recent rows stay."""
    for version in range(1, 4):
        await backend.record(seats_changed(uuid4(), version))  # 6 MQTT rows
    await backend.record(confirmed_email())  # 1 email row, which fails for good below
    sent_at = datetime.now(UTC)
    async with backend.claimer.claim(OutboxChannel.MQTT, now(), limit=4) as batch:
        first_four = [m.id for m in batch.messages]
        await batch.mark_sent(first_four, sent_at)
    async with backend.claimer.claim(OutboxChannel.EMAIL, now(), limit=1) as batch:
        (mail,) = batch.messages
        await batch.mark_failed(mail.id, attempts=20, error="gone", retry_at=None)

    async with backend.uow_factory() as uow:
        assert await uow.outbox.purge_sent(sent_at, limit=100) == 0  # sent at, not before, the cut: kept
        assert await uow.outbox.purge_sent(sent_at + timedelta(seconds=1), limit=3) == 3  # in batches
        assert await uow.outbox.purge_sent(sent_at + timedelta(seconds=1), limit=100) == 1
        await uow.commit()
    async with backend.uow_factory() as uow:
        left = await uow.outbox.list(OutboxFilter(), limit=100, offset=0)
        assert await uow.outbox.get(first_four[0]) is None
    assert sorted(e.status for e in left.items) == sorted([OutboxStatus.PENDING] * 2 + [OutboxStatus.FAILED])
