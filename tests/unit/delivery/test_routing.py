"""route_event: which outbox rows announce which domain event, with the payloads of API.md §8 and §9."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal
from uuid import uuid4

from lynriescoop.application.delivery.payloads import booking_email_from_payload
from lynriescoop.application.delivery.routing import route_event
from lynriescoop.application.ports.delivery import BookingEmailKind, OutboxChannel, OutboxKind
from lynriescoop.domain.events import (
    BookingCancelled,
    BookingConfirmed,
    BookingDetails,
    BookingStatusChanged,
    DomainEvent,
    SeatChangeReason,
    SeatsChanged,
    SeatState,
    ShowingChanged,
    ShowingEventKind,
)
from tests.factories import booking_details

AT = datetime(2026, 11, 28, 19, 30, tzinfo=UTC)
SHOWING = uuid4()


def _details(**overrides: object) -> BookingDetails:
    return booking_details(**{"recipient_name": "Ann <script>", "total_price": Decimal("25.5"), **overrides})


def test_seats_changed_gives_a_delta_then_a_retained_snapshot() -> None:
    a, b = uuid4(), uuid4()
    event = SeatsChanged(
        occurred_at=AT,
        showing_id=SHOWING,
        version=7,
        reason=SeatChangeReason.HELD,
        seats=(SeatState(a, "C7", "held"), SeatState(b, "C8", "held")),
    )
    delta, snapshot = route_event(event)
    assert (delta.channel, delta.destination, delta.retain, delta.kind) == (
        OutboxChannel.MQTT,
        f"seats/status/{SHOWING}",
        False,
        OutboxKind.SEATS_DELTA,
    )
    assert (delta.showing_id, delta.version) == (SHOWING, 7)
    assert delta.payload == {
        "showing_id": str(SHOWING),
        "version": 7,
        "reason": "held",
        "seats": [
            {"seat_id": str(a), "label": "C7", "status": "held"},
            {"seat_id": str(b), "label": "C8", "status": "held"},
        ],
        "timestamp": "2026-11-28T19:30:00Z",
    }
    assert (snapshot.destination, snapshot.retain, snapshot.kind) == (
        f"seats/snapshot/{SHOWING}",
        True,
        OutboxKind.SEAT_SNAPSHOT,
    )
    assert (snapshot.showing_id, snapshot.version) == (SHOWING, 7)


def test_showing_changes_are_retained_updates_and_delete_also_clears_the_snapshot() -> None:
    (created,) = route_event(ShowingChanged(occurred_at=AT, showing_id=SHOWING, kind=ShowingEventKind.CREATED))
    assert (created.destination, created.retain, created.kind, created.showing_id) == (
        f"showing/update/{SHOWING}",
        True,
        OutboxKind.SHOWING_UPDATE,
        SHOWING,
    )
    assert created.payload["event"] == "created"
    deleted = route_event(ShowingChanged(occurred_at=AT, showing_id=SHOWING, kind=ShowingEventKind.DELETED))
    assert [(m.kind, m.destination, m.retain) for m in deleted] == [
        (OutboxKind.SHOWING_UPDATE, f"showing/update/{SHOWING}", True),
        (OutboxKind.SEAT_SNAPSHOT, f"seats/snapshot/{SHOWING}", True),
    ]
    assert deleted[0].payload["event"] == "deleted"


def test_booking_status_carries_no_name_no_email_and_no_booking_number() -> None:
    booking, seat = uuid4(), uuid4()
    event = BookingStatusChanged(
        occurred_at=AT,
        booking_id=booking,
        showing_id=SHOWING,
        user_id=uuid4(),
        status="confirmed",
        seat_ids=(seat,),
    )
    (message,) = route_event(event)
    assert (message.destination, message.retain, message.showing_id) == (f"booking/confirm/{booking}", False, SHOWING)
    assert message.payload == {
        "booking_id": str(booking),
        "showing_id": str(SHOWING),
        "status": "confirmed",
        "seat_ids": [str(seat)],
        "timestamp": "2026-11-28T19:30:00Z",
    }
    assert str(event.user_id) not in json.dumps(message.payload)
    assert "7KQ2M9XA" not in json.dumps(message.payload)


def test_confirmation_email_row_is_json_safe_and_round_trips() -> None:
    booking = uuid4()
    deadline = datetime(2026, 11, 28, 18, 30, tzinfo=UTC)
    event = BookingConfirmed(occurred_at=AT, booking_id=booking, details=_details(cancel_deadline=deadline))
    (row,) = route_event(event)
    assert (row.channel, row.destination, row.kind, row.retain) == (
        OutboxChannel.EMAIL,
        "ann@example.com",
        OutboxKind.BOOKING_CONFIRMED_EMAIL,
        False,
    )
    assert json.loads(json.dumps(row.payload)) == row.payload
    assert row.payload["total_price"] == "25.50"
    assert row.payload["start_time"] == "2026-11-28T19:30:00Z"
    email = booking_email_from_payload(row.payload)
    assert email.kind is BookingEmailKind.CONFIRMED
    assert email.booking_id == booking
    assert email.details == _details(cancel_deadline=deadline, total_price=Decimal("25.50"))


def test_cancellation_email_row_keeps_the_reason() -> None:
    event = BookingCancelled(occurred_at=AT, booking_id=uuid4(), details=_details(reason="showing_cancelled"))
    (row,) = route_event(event)
    assert row.kind == OutboxKind.BOOKING_CANCELLED_EMAIL
    email = booking_email_from_payload(row.payload)
    assert email.kind is BookingEmailKind.CANCELLED
    assert email.details == _details(reason="showing_cancelled")


def test_timestamps_are_utc_whatever_the_offset_of_the_event() -> None:
    brussels_evening = datetime(2026, 11, 28, 20, 30, tzinfo=timezone(timedelta(hours=1)))
    event = ShowingChanged(occurred_at=brussels_evening, showing_id=SHOWING, kind=ShowingEventKind.UPDATED)
    (message,) = route_event(event)
    assert message.payload["timestamp"] == "2026-11-28T19:30:00Z"


def test_events_without_an_audience_produce_nothing() -> None:
    assert route_event(DomainEvent(occurred_at=AT)) == ()
