"""Customer emails through the outbox to a real SMTP server in the process (aiosmtpd), and to .eml files
(API.md §9): both alternatives, escaping, retries with back-off, giving up, recovering, queueing again."""

from __future__ import annotations

import email
import email.policy
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from email.message import EmailMessage
from pathlib import Path
from typing import Any
from uuid import uuid4
from zoneinfo import ZoneInfo

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from lynriescoop.adapters.mqtt.client import MqttClientService
from lynriescoop.adapters.postgres import tables as t
from lynriescoop.adapters.smtp.mailers import FileMailer, SmtpMailer
from lynriescoop.adapters.smtp.rendering import BookingEmailRenderer
from lynriescoop.application.delivery.retry_outbox_entry import RetryOutboxEntry, RetryOutboxEntryCommand
from lynriescoop.application.ports.clock import SystemClock
from lynriescoop.application.ports.delivery import OutboxStatus
from lynriescoop.application.ports.unit_of_work import UnitOfWorkFactory
from lynriescoop.domain.events import BookingCancelled, BookingConfirmed, BookingDetails, DomainEvent
from tests.delivery_support import (
    FAST_RETRY,
    SmtpRecorder,
    eml_files,
    eventually,
    running_relay,
    smtp_server,
    uow_factory_for,
)
from tests.factories import booking_details
from tests.support import free_port

pytestmark = pytest.mark.postgres

START = datetime(2026, 11, 28, 19, 30, tzinfo=UTC)  # 20:30 in Brussels


def renderer() -> BookingEmailRenderer:
    return BookingEmailRenderer(
        from_email="tickets@lynriescoop.test",
        from_name="LynrieScoop Tickets",
        timezone=ZoneInfo("Europe/Brussels"),
        cancel_cutoff=timedelta(minutes=60),
    )


def details(**overrides: Any) -> BookingDetails:
    values: dict[str, Any] = {
        "recipient_name": "<script>alert('x')</script> Ann",
        "start_time": START,
        "total_price": Decimal("25.00"),
        **overrides,
    }
    return booking_details(**values)


def confirmed(**overrides: Any) -> BookingConfirmed:
    return BookingConfirmed(occurred_at=datetime.now(UTC), booking_id=uuid4(), details=details(**overrides))


@pytest.fixture
def smtp() -> Iterator[tuple[SmtpRecorder, Controller]]:
    recorder = SmtpRecorder()
    with smtp_server(recorder) as controller:
        yield recorder, controller


@pytest.fixture
def uow(clean_db: AsyncEngine) -> UnitOfWorkFactory:
    return uow_factory_for(clean_db)


def smtp_mailer(controller: Controller) -> SmtpMailer:
    return SmtpMailer(renderer(), host="127.0.0.1", port=controller.port, tls="none", timeout=5)


def offline_publisher() -> MqttClientService:
    return MqttClientService(None)


async def record(uow_factory: UnitOfWorkFactory, *events: DomainEvent) -> None:
    async with uow_factory() as uow:
        uow.record(*events)
        await uow.commit()


async def email_rows(engine: AsyncEngine) -> list[Any]:
    async with engine.connect() as conn:
        stmt = select(t.outbox).where(t.outbox.c.channel == "email").order_by(t.outbox.c.id)
        return list((await conn.execute(stmt)).all())


async def row_is(engine: AsyncEngine, status: str) -> bool:
    rows = await email_rows(engine)
    return bool(rows) and rows[-1].status == status


def alternatives(message: EmailMessage) -> tuple[str, str]:
    assert message.get_content_type() == "multipart/alternative"
    plain, html = message.get_body(("plain",)), message.get_body(("html",))
    assert plain is not None and html is not None
    return str(plain.get_content()), str(html.get_content())


async def test_the_confirmation_arrives_with_both_alternatives(
    clean_db: AsyncEngine, database_url: str, uow: UnitOfWorkFactory, smtp: tuple[SmtpRecorder, Controller]
) -> None:
    recorder, controller = smtp
    mailer = smtp_mailer(controller)
    assert mailer.health() == "unknown"
    async with running_relay(clean_db, database_url, offline_publisher(), mailer):
        await record(uow, confirmed())
        await eventually(lambda: recorder.messages, "the email arrives")
        await eventually(lambda: row_is(clean_db, "sent"), "the row is marked sent")
    (message,) = recorder.messages
    assert message["Subject"] == "Booking confirmed – 7KQ2M9XA – Dune: Part Two"
    assert message["From"] == "LynrieScoop Tickets <tickets@lynriescoop.test>"
    assert message["To"].addresses[0].addr_spec == "ann@example.com"
    assert recorder.envelopes == [("tickets@lynriescoop.test", ["ann@example.com"])]
    text, html = alternatives(message)
    for body in (text, html):
        assert "7KQ2M9XA" in body
        assert "Sat 28 Nov 2026, 20:30" in body
        assert "C7, C8" in body and "25.00 EUR" in body and "Room 1" in body
        assert "Sat 28 Nov 2026, 19:30" in body  # the cancellation deadline
    assert "<script>" not in html
    assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; Ann" in html
    assert mailer.health() == "ok"
    (row,) = await email_rows(clean_db)
    assert (row.status, row.attempts, row.last_error, row.destination) == ("sent", 1, None, "ann@example.com")


async def test_the_cancellation_says_why(
    clean_db: AsyncEngine, database_url: str, uow: UnitOfWorkFactory, smtp: tuple[SmtpRecorder, Controller]
) -> None:
    recorder, controller = smtp
    event = BookingCancelled(
        occurred_at=datetime.now(UTC), booking_id=uuid4(), details=details(reason="showing_cancelled")
    )
    async with running_relay(clean_db, database_url, offline_publisher(), smtp_mailer(controller)):
        await record(uow, event)
        await eventually(lambda: recorder.messages, "the email arrives")
    (message,) = recorder.messages
    assert message["Subject"] == "Booking cancelled – 7KQ2M9XA – Dune: Part Two"
    text, html = alternatives(message)
    assert "The showing was cancelled by the cinema" in text
    assert "The showing was cancelled by the cinema" in html


async def test_a_refusing_server_costs_attempts_then_the_row_fails_and_a_retry_delivers_it(
    clean_db: AsyncEngine, database_url: str, uow: UnitOfWorkFactory, smtp: tuple[SmtpRecorder, Controller]
) -> None:
    recorder, controller = smtp
    recorder.refusals, recorder.refusal = 1000, "550 5.1.1 Mailbox unavailable"
    mailer = smtp_mailer(controller)
    async with running_relay(clean_db, database_url, offline_publisher(), mailer):
        await record(uow, confirmed())
        await eventually(lambda: row_is(clean_db, "failed"), "the row gives up")
        (row,) = await email_rows(clean_db)
        attempts = FAST_RETRY.max_email_attempts  # the default count (20), with test-sized waits
        assert (row.status, row.attempts) == ("failed", attempts)
        assert row.last_error.startswith("SMTP 550")
        assert recorder.refused == attempts and recorder.messages == []
        assert mailer.health() == "down"

        # The operator fixes the mailbox and queues the row again (POST /admin/outbox/{id}/retry).
        recorder.refusals = 0
        entry = await RetryOutboxEntry(uow, SystemClock())(RetryOutboxEntryCommand(row.id))
        assert (entry.status, entry.attempts) == (OutboxStatus.PENDING, 0)
        await eventually(lambda: recorder.messages, "the email arrives after the retry")
        await eventually(lambda: row_is(clean_db, "sent"), "the row is marked sent")
    (row,) = await email_rows(clean_db)
    assert (row.status, row.attempts) == ("sent", 1)
    assert mailer.health() == "ok"


async def test_delivery_resumes_when_the_server_recovers_within_the_attempts(
    clean_db: AsyncEngine, database_url: str, uow: UnitOfWorkFactory, smtp: tuple[SmtpRecorder, Controller]
) -> None:
    recorder, controller = smtp
    recorder.refusals = 3  # 451: try again later
    async with running_relay(clean_db, database_url, offline_publisher(), smtp_mailer(controller)):
        await record(uow, confirmed())
        await eventually(lambda: row_is(clean_db, "sent"), "the row is sent in the end")
    (row,) = await email_rows(clean_db)
    assert (row.status, row.attempts) == ("sent", 4)
    assert row.last_error.startswith("SMTP 451")  # the history of the last failure stays visible
    assert recorder.refused == 3 and len(recorder.messages) == 1


async def test_a_server_that_is_down_is_retried_and_a_booking_never_waits_for_it(
    clean_db: AsyncEngine, database_url: str, uow: UnitOfWorkFactory
) -> None:
    port = free_port()  # nothing listens there (yet)
    mailer = SmtpMailer(renderer(), host="127.0.0.1", port=port, tls="none", timeout=5)
    recorder = SmtpRecorder()
    async with running_relay(clean_db, database_url, offline_publisher(), mailer):
        await record(uow, confirmed())  # the commit does not wait for mail
        await eventually(lambda: _attempted(clean_db, 2), "two failed attempts")
        (row,) = await email_rows(clean_db)
        assert row.status == "pending"
        assert "Connect" in row.last_error or "refused" in row.last_error.lower()
        assert mailer.health() == "down"
        controller = Controller(recorder, hostname="127.0.0.1", port=port)
        controller.start()
        try:
            await eventually(lambda: recorder.messages, "the email arrives once the server is up")
            await eventually(lambda: row_is(clean_db, "sent"), "the row is marked sent")
        finally:
            controller.stop()


async def _attempted(engine: AsyncEngine, attempts: int) -> bool:
    rows = await email_rows(engine)
    return bool(rows) and rows[0].attempts >= attempts


async def test_without_smtp_emails_are_written_as_eml_files(
    clean_db: AsyncEngine, database_url: str, uow: UnitOfWorkFactory, tmp_path: Path
) -> None:
    mailer = FileMailer(renderer(), tmp_path / "mail")
    assert mailer.health() == "file"
    async with running_relay(clean_db, database_url, offline_publisher(), mailer):
        await record(uow, confirmed(), confirmed(booking_number="ZZZZ9999", recipient_email="bo@example.com"))
        await eventually(lambda: len(eml_files(tmp_path / "mail")) == 2, "two files")
        await eventually(lambda: row_is(clean_db, "sent"), "the rows are marked sent")
    messages = [
        email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
        for path in eml_files(tmp_path / "mail")
    ]
    assert sorted(str(m["Subject"]) for m in messages) == [
        "Booking confirmed – 7KQ2M9XA – Dune: Part Two",
        "Booking confirmed – ZZZZ9999 – Dune: Part Two",
    ]
    for message in messages:
        assert isinstance(message, EmailMessage)
        text, html = alternatives(message)
        assert "Sat 28 Nov 2026, 20:30" in text and "&lt;script&gt;" in html
    assert not list((tmp_path / "mail").glob("*.part"))
