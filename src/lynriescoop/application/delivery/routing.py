"""Routing: which outbox rows announce which domain event (API.md §8 and §9).

The routing is a pure function so the in-memory and PostgreSQL units of work write the same rows.

- ``SeatsChanged``: a ``seats/status/{showing}`` delta (version on the row), then a retained
  ``seats/snapshot/{showing}``.
- ``ShowingChanged``: a retained ``showing/update/{showing}``; on ``deleted`` also the snapshot, so both
  retained messages are cleared.
- ``BookingStatusChanged``: ``booking/confirm/{booking}`` (no name, no email), in its showing's stream.
- ``BookingConfirmed`` / ``BookingCancelled``: the customer is told by email (one email row to
  ``details.recipient_email``). The events only say what happened; that an email goes out is decided here.
- ``TicketsRevoked``: a retained ``tickets/revoked/{showing}`` holding every revoked ticket of the showing, in
  its showing's stream (written under the showing's lock, so the longest list goes out last).
- ``TicketCheckedIn``: ``checkin/{showing}``, outside the showing's stream (check-ins do not take the showing's
  lock, and one door's check-in need not wait behind the seat map's messages).

The snapshot and showing-update payloads are built by the relay at publish time from the current state, so a
row only says which showing (and, for updates, which event); several of them for one showing go out once.
Topics are stored without ``MQTT_TOPIC_PREFIX``, which the publisher adds.
"""

from __future__ import annotations

from collections.abc import Sequence

from lynriescoop.application.delivery.payloads import (
    booking_confirm_topic,
    booking_email_payload,
    booking_status_payload,
    checkin_payload,
    checkin_topic,
    seats_delta_payload,
    seats_snapshot_topic,
    seats_status_topic,
    showing_update_topic,
    tickets_revoked_payload,
    tickets_revoked_topic,
)
from lynriescoop.application.ports.delivery import (
    BookingEmail,
    BookingEmailKind,
    OutboxChannel,
    OutboxKind,
    OutboxMessage,
)
from lynriescoop.domain.events import (
    BookingCancelled,
    BookingConfirmed,
    BookingStatusChanged,
    DomainEvent,
    SeatsChanged,
    ShowingChanged,
    ShowingEventKind,
    TicketCheckedIn,
    TicketsRevoked,
)
from lynriescoop.domain.formats import rfc3339


def _snapshot(event: SeatsChanged | ShowingChanged, version: int | None) -> OutboxMessage:
    return OutboxMessage(
        channel=OutboxChannel.MQTT,
        destination=seats_snapshot_topic(event.showing_id),
        payload={"showing_id": str(event.showing_id), "timestamp": rfc3339(event.occurred_at)},
        retain=True,
        showing_id=event.showing_id,
        version=version,
        kind=OutboxKind.SEAT_SNAPSHOT,
    )


def _seats_changed(event: SeatsChanged) -> Sequence[OutboxMessage]:
    delta = OutboxMessage(
        channel=OutboxChannel.MQTT,
        destination=seats_status_topic(event.showing_id),
        payload=seats_delta_payload(event),
        retain=False,
        showing_id=event.showing_id,
        version=event.version,
        kind=OutboxKind.SEATS_DELTA,
    )
    return (delta, _snapshot(event, event.version))


def _showing_changed(event: ShowingChanged) -> Sequence[OutboxMessage]:
    update = OutboxMessage(
        channel=OutboxChannel.MQTT,
        destination=showing_update_topic(event.showing_id),
        payload={
            "showing_id": str(event.showing_id),
            "event": event.kind.value,
            "timestamp": rfc3339(event.occurred_at),
        },
        retain=True,
        showing_id=event.showing_id,
        kind=OutboxKind.SHOWING_UPDATE,
    )
    if event.kind is ShowingEventKind.DELETED:
        return (update, _snapshot(event, None))
    return (update,)


def _booking_status(event: BookingStatusChanged) -> Sequence[OutboxMessage]:
    return (
        OutboxMessage(
            channel=OutboxChannel.MQTT,
            destination=booking_confirm_topic(event.booking_id),
            payload=booking_status_payload(event),
            retain=False,
            showing_id=event.showing_id,
            kind=OutboxKind.BOOKING_STATUS,
        ),
    )


def _customer_email(event: BookingConfirmed | BookingCancelled) -> Sequence[OutboxMessage]:
    if isinstance(event, BookingConfirmed):
        email = BookingEmail(BookingEmailKind.CONFIRMED, event.booking_id, event.details)
        kind = OutboxKind.BOOKING_CONFIRMED_EMAIL
    else:
        email = BookingEmail(BookingEmailKind.CANCELLED, event.booking_id, event.details)
        kind = OutboxKind.BOOKING_CANCELLED_EMAIL
    return (
        OutboxMessage(
            channel=OutboxChannel.EMAIL,
            destination=event.details.recipient_email,
            payload=booking_email_payload(email, event.occurred_at),
            kind=kind,
        ),
    )


def _tickets_revoked(event: TicketsRevoked) -> Sequence[OutboxMessage]:
    return (
        OutboxMessage(
            channel=OutboxChannel.MQTT,
            destination=tickets_revoked_topic(event.showing_id),
            payload=tickets_revoked_payload(event),
            retain=True,
            showing_id=event.showing_id,
            kind=OutboxKind.TICKETS_REVOKED,
        ),
    )


def _checked_in(event: TicketCheckedIn) -> Sequence[OutboxMessage]:
    return (
        OutboxMessage(
            channel=OutboxChannel.MQTT,
            destination=checkin_topic(event.showing_id),
            payload=checkin_payload(event),
            kind=OutboxKind.CHECKIN,
        ),
    )


def route_event(event: DomainEvent) -> Sequence[OutboxMessage]:
    """Outbox messages for ``event``; events with no audience outside the service produce none."""
    match event:
        case SeatsChanged():
            return _seats_changed(event)
        case ShowingChanged():
            return _showing_changed(event)
        case BookingStatusChanged():
            return _booking_status(event)
        case BookingConfirmed() | BookingCancelled():
            return _customer_email(event)
        case TicketsRevoked():
            return _tickets_revoked(event)
        case TicketCheckedIn():
            return _checked_in(event)
        case _:
            return ()
