"""What a seat of a showing looks like to a customer: available, held, booked or blocked."""

from __future__ import annotations

import enum
from datetime import datetime


class SeatStatus(enum.StrEnum):
    AVAILABLE = "available"
    HELD = "held"
    BOOKED = "booked"
    BLOCKED = "blocked"


# Booking statuses whose live claim makes a seat ``booked``.
BOOKED_STATUSES = frozenset({"confirmed", "completed"})


def seat_status(
    *, is_active: bool, claim_status: str | None, claim_expires_at: datetime | None, now: datetime
) -> SeatStatus:
    """The status of one seat of one showing, from the seat and the booking behind its live claim (if any).

    An inactive seat is ``blocked`` whatever its claims (bookings already made keep it); a confirmed booking makes
    it ``booked``; a pending booking makes it ``held`` only while its hold lasts, so a lapsed hold that no sweep
    has marked yet already shows ``available``.
    """
    if not is_active:
        return SeatStatus.BLOCKED
    if claim_status in BOOKED_STATUSES:
        return SeatStatus.BOOKED
    if claim_status == "pending" and claim_expires_at is not None and now < claim_expires_at:
        return SeatStatus.HELD
    return SeatStatus.AVAILABLE
