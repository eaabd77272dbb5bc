"""The answer to placing a booking (API.md §6) as JSON-safe data: the placed booking's document.

It is built in the booking's own transaction, from what the transaction holds, and stored with the booking's
Idempotency-Key (or MQTT request id), so that a replay returns the first answer exactly, over HTTP and MQTT alike.
POST /bookings and best available send it as it is (``entrypoints/http/routers/bookings.py``); every other
booking answer is mapped from its ``BookingView`` to ``BookingOut`` in the entrypoint.
``tests/unit/bookings/test_booking_document.py`` holds this document and ``BookingOut`` to the same JSON.
"""

from __future__ import annotations

from typing import Any

from lynriescoop.application.ports.bookings import BookingView
from lynriescoop.domain.formats import money, rfc3339, rfc3339_or_none


def booking_document(view: BookingView) -> dict[str, Any]:
    booking = view.booking
    return {
        "id": str(booking.id),
        "booking_number": booking.booking_number.value,
        "user_id": str(booking.user_id),
        "showing": {
            "id": str(view.showing.id),
            "start_time": rfc3339(view.showing.start_time),
            "movie_title": view.showing.movie_title,
            "room_name": view.showing.room_name,
        },
        "seats": [
            {
                "seat_id": str(seat.seat_id),
                "label": seat.label,
                "category": seat.category.value,
                "price": money(seat.price),
            }
            for seat in booking.seats
        ],
        "total_price": money(booking.total_price),
        "currency": booking.currency,
        "status": booking.status.value,
        "expires_at": rfc3339_or_none(booking.expires_at),
        "created_at": rfc3339(booking.created_at),
        "confirmed_at": rfc3339_or_none(booking.confirmed_at),
        "cancelled_at": rfc3339_or_none(booking.cancelled_at),
    }
