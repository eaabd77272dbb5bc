"""Topics and JSON payloads of API.md §8, and the email rows of §9, as plain JSON-safe dictionaries.

Times are RFC 3339 in UTC (``2026-11-28T19:30:00Z``), money is a string with two places (both written by
``domain/formats.py``), ids are strings.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

from lynriescoop.application.ports.delivery import BookingEmail, BookingEmailKind, SeatSnapshot, ShowingSummary
from lynriescoop.domain.events import (
    BookingDetails,
    BookingStatusChanged,
    SeatsChanged,
    SeatState,
    TicketCheckedIn,
    TicketLine,
    TicketsRevoked,
)
from lynriescoop.domain.formats import money, parse_rfc3339, rfc3339

JsonObject = dict[str, Any]


def seats_status_topic(showing_id: UUID) -> str:
    return f"seats/status/{showing_id}"


def seats_snapshot_topic(showing_id: UUID) -> str:
    return f"seats/snapshot/{showing_id}"


def showing_update_topic(showing_id: UUID) -> str:
    return f"showing/update/{showing_id}"


def booking_confirm_topic(booking_id: UUID) -> str:
    return f"booking/confirm/{booking_id}"


def tickets_revoked_topic(showing_id: UUID) -> str:
    return f"tickets/revoked/{showing_id}"


def checkin_topic(showing_id: UUID) -> str:
    return f"checkin/{showing_id}"


def _seats(seats: tuple[SeatState, ...]) -> list[JsonObject]:
    return [{"seat_id": str(s.seat_id), "label": s.label, "status": s.status} for s in seats]


def seats_delta_payload(event: SeatsChanged) -> JsonObject:
    return {
        "showing_id": str(event.showing_id),
        "version": event.version,
        "reason": event.reason.value,
        "seats": _seats(event.seats),
        "timestamp": rfc3339(event.occurred_at),
    }


def booking_status_payload(event: BookingStatusChanged) -> JsonObject:
    """No name, no email, no booking number (API.md §8): anyone may subscribe to ``booking/confirm/#``."""
    return {
        "booking_id": str(event.booking_id),
        "showing_id": str(event.showing_id),
        "status": event.status,
        "seat_ids": [str(seat_id) for seat_id in event.seat_ids],
        "timestamp": rfc3339(event.occurred_at),
    }


def tickets_revoked_payload(event: TicketsRevoked) -> JsonObject:
    return {
        "showing_id": str(event.showing_id),
        "version": event.version,
        "ticket_ids": [str(ticket_id) for ticket_id in event.ticket_ids],
        "timestamp": rfc3339(event.occurred_at),
    }


def checkin_payload(event: TicketCheckedIn) -> JsonObject:
    return {
        "showing_id": str(event.showing_id),
        "ticket_id": str(event.ticket_id),
        "seat_label": event.seat_label,
        "checked_in_at": rfc3339(event.checked_in_at),
        "timestamp": rfc3339(event.occurred_at),
    }


def seat_snapshot_message(snapshot: SeatSnapshot, now: datetime) -> bytes:
    """The ``seats/snapshot`` payload (API.md §8), with the seats array as the reader rendered it."""
    return (
        b'{"showing_id":"%s","version":%d,"available_seats":%d,"seats":%s,"timestamp":"%s"}'
        % (str(snapshot.showing_id).encode(), snapshot.version, snapshot.available_seats, snapshot.seats_json,
           rfc3339(now).encode())
    )  # fmt: skip


def showing_update_payload(summary: ShowingSummary, event: str, now: datetime) -> JsonObject:
    return {
        "showing_id": str(summary.showing_id),
        "event": event,
        "status": summary.status,
        "start_time": rfc3339(summary.start_time),
        "end_time": rfc3339(summary.end_time),
        "price": money(summary.price),
        "capacity": summary.capacity,
        "available_seats": summary.available_seats,
        "timestamp": rfc3339(now),
    }


def booking_email_payload(email: BookingEmail, occurred_at: datetime) -> JsonObject:
    """The email row's payload: every detail the email shows, so it renders the same however late it goes out."""
    d = email.details
    return {
        "kind": email.kind.value,
        "booking_id": str(email.booking_id),
        "recipient_email": d.recipient_email,
        "recipient_name": d.recipient_name,
        "booking_number": d.booking_number,
        "movie_title": d.movie_title,
        "room_name": d.room_name,
        "start_time": rfc3339(d.start_time),
        "seat_labels": list(d.seat_labels),
        "total_price": money(d.total_price),
        "currency": d.currency,
        "cancel_deadline": rfc3339(d.cancel_deadline) if d.cancel_deadline is not None else None,
        "reason": d.reason,
        "tickets": [{"ticket_id": str(t.ticket_id), "seat_label": t.seat_label, "code": t.code} for t in d.tickets],
        "timestamp": rfc3339(occurred_at),
    }


def booking_email_from_payload(payload: Mapping[str, Any]) -> BookingEmail:
    """The inverse of :func:`booking_email_payload`; raises ``ValueError`` (or ``KeyError``) on a malformed row."""
    deadline = payload.get("cancel_deadline")
    details = BookingDetails(
        recipient_email=str(payload["recipient_email"]),
        recipient_name=str(payload["recipient_name"]),
        booking_number=str(payload["booking_number"]),
        movie_title=str(payload["movie_title"]),
        room_name=str(payload["room_name"]),
        start_time=parse_rfc3339(str(payload["start_time"])),
        seat_labels=tuple(str(label) for label in payload["seat_labels"]),
        total_price=Decimal(str(payload["total_price"])),
        currency=str(payload["currency"]),
        cancel_deadline=parse_rfc3339(str(deadline)) if deadline else None,
        reason=str(payload["reason"]) if payload.get("reason") is not None else None,
        tickets=tuple(
            TicketLine(UUID(str(t["ticket_id"])), str(t["seat_label"]), str(t["code"]))
            for t in payload.get("tickets") or []
        ),
    )
    return BookingEmail(
        kind=BookingEmailKind(str(payload["kind"])),
        booking_id=UUID(str(payload["booking_id"])),
        details=details,
    )
