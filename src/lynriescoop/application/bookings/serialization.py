"""The public shape of a booking (API.md §6) as JSON-safe data.

One function, used by the HTTP response, the Idempotency-Key replay and the MQTT ``booking/response``, so the
three can never disagree.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from lynriescoop.application.ports.bookings import BookingView


def _time(value: datetime | None) -> str | None:
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z") if value else None


def booking_document(view: BookingView) -> dict[str, Any]:
    booking = view.booking
    document: dict[str, Any] = {
        "id": str(booking.id),
        "booking_number": booking.booking_number.value,
        "user_id": str(booking.user_id),
        "showing": {
            "id": str(view.showing.id),
            "start_time": _time(view.showing.start_time),
            "movie_title": view.showing.movie_title,
            "room_name": view.showing.room_name,
        },
        "seats": [
            {
                "seat_id": str(seat.seat_id),
                "label": seat.label,
                "category": seat.category.value,
                "price": f"{seat.price:.2f}",
            }
            for seat in booking.seats
        ],
        "total_price": f"{booking.total_price:.2f}",
        "currency": booking.currency,
        "status": booking.status.value,
        "expires_at": _time(booking.expires_at),
        "created_at": _time(booking.created_at),
        "confirmed_at": _time(booking.confirmed_at),
        "cancelled_at": _time(booking.cancelled_at),
    }
    if view.user is not None:
        document["user"] = {"id": str(view.user.id), "email": view.user.email, "name": view.user.name}
    return document
