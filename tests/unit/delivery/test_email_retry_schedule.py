"""API.md §9: emails are retried with growing back-off for at least an hour, so a mail server that is down for
30 minutes delays mail and fails none. The relay runs with its default retry policy on the in-memory outbox and a
mail server that refuses everything until the outage ends (issue 13, item 7)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from itertools import pairwise
from uuid import UUID, uuid4

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
    SeatSnapshot,
    ShowingSummary,
)
from lynriescoop.domain.events import BookingConfirmed
from tests.factories import MutableClock, booking_details


class _NoBroker:
    connected = False

    async def publish(self, topic: str, payload: bytes, *, retain: bool = False) -> None:
        raise AssertionError("no MQTT in this test")


class _NoSnapshots:
    async def seat_snapshot(self, showing_id: UUID, now: datetime) -> SeatSnapshot | None:
        return None

    async def showing_summary(self, showing_id: UUID, now: datetime) -> ShowingSummary | None:
        return None


class _MailServerDownUntil:
    """Refuses every mail (a 4xx) while the clock is before ``back_at``."""

    def __init__(self, clock: MutableClock, back_at: datetime) -> None:
        self._clock = clock
        self.back_at = back_at
        self.sent: list[BookingEmail] = []

    async def send(self, email: BookingEmail) -> None:
        if self._clock.now() < self.back_at:
            raise MailDeliveryError("SMTP 421: service not available")
        self.sent.append(email)

    def health(self) -> str:
        return "ok"


def _confirmation(name: str) -> BookingConfirmed:
    details = booking_details(
        recipient_email=f"{name.lower()}@example.com",
        recipient_name=name,
        movie_title="Dune",
        start_time=datetime(2026, 12, 24, 20, 0, tzinfo=UTC),
        seat_labels=("A1",),
        total_price=Decimal("10.00"),
    )
    return BookingConfirmed(occurred_at=datetime.now(UTC), booking_id=uuid4(), details=details)


async def _run_outage(outage: timedelta, names: list[str]) -> tuple[MemoryStore, _MailServerDownUntil, MutableClock]:
    store = MemoryStore()
    clock = MutableClock(datetime.now(UTC) + timedelta(seconds=1))  # the memory outbox stamps rows with wall time
    mailer = _MailServerDownUntil(clock, clock.now() + outage)
    relay = OutboxRelay(MemoryOutboxClaimer(store), _NoBroker(), mailer, _NoSnapshots(), clock)  # default policy
    async with MemoryUnitOfWork(store, route_event) as uow:
        uow.record(*(_confirmation(name) for name in names))
        await uow.commit()
    end = clock.now() + timedelta(hours=3)
    while clock.now() < end:
        await relay.relay_email()
        rows = store.state.outbox_rows.values()
        pending = [r.available_at for r in rows if r.status is OutboxStatus.PENDING]
        if not pending:
            break
        clock.current = max(clock.now(), min(pending))  # jump to the next row that is due
    return store, mailer, clock


def _statuses(store: MemoryStore) -> list[OutboxStatus]:
    return [row.status for row in store.state.outbox_rows.values()]


async def test_a_30_minute_mail_outage_delays_mail_and_fails_none() -> None:
    store, mailer, clock = await _run_outage(timedelta(minutes=30), ["Ann", "Bo", "Cy"])
    assert _statuses(store) == [OutboxStatus.SENT] * 3
    assert sorted(e.details.recipient_name for e in mailer.sent) == ["Ann", "Bo", "Cy"]
    # Delayed, not lost: sent after the server came back, within one capped wait (300 s) of it.
    assert mailer.back_at <= clock.now() <= mailer.back_at + timedelta(seconds=300)


async def test_a_59_minute_outage_still_fails_no_mail() -> None:
    store, _, _ = await _run_outage(timedelta(minutes=59), ["Ann"])
    assert _statuses(store) == [OutboxStatus.SENT]


async def test_mail_fails_only_after_more_than_an_hour_of_back_off() -> None:
    store, mailer, _ = await _run_outage(timedelta(hours=5), ["Ann"])
    [row] = store.state.outbox_rows.values()
    assert (row.status, row.attempts, mailer.sent) == (OutboxStatus.FAILED, RetryPolicy().max_email_attempts, [])
    policy = RetryPolicy()
    waits = [policy.delay(OutboxChannel.EMAIL, n) for n in range(1, policy.max_email_attempts)]
    assert sum(waits, timedelta()) >= timedelta(hours=1)
    assert all(later >= earlier for earlier, later in pairwise(waits))  # growing back-off
