"""What a seat of a showing looks like to a customer: available, held, booked or blocked.

This module is THE seat-availability rule. Seat maps, showing counts (``available_seats``) and management figures
(sold, held) all derive from :func:`claim_effect` and :func:`seat_status`; the PostgreSQL adapter mirrors the two
in one SQL expression (``adapters/postgres/seat_status.py``), held to the same table of cases by
``tests/integration/test_seat_status_rule.py``.
"""

from __future__ import annotations

import enum
from datetime import datetime


class SeatStatus(enum.StrEnum):
    AVAILABLE = "available"
    HELD = "held"
    BOOKED = "booked"
    BLOCKED = "blocked"


# Booking statuses whose live claim makes a seat ``booked`` (and that count as sold and as confirmed bookings).
BOOKED_STATUSES = frozenset({"confirmed", "completed"})
# The booking status whose live claim makes a seat ``held`` while its hold lasts.
HOLDING_STATUS = "pending"


def claim_effect(*, claim_status: str | None, claim_expires_at: datetime | None, now: datetime) -> SeatStatus:
    """What the live claim of a seat (the status of its booking, and when its hold ends) does to the seat.

    ``BOOKED`` for a confirmed or completed booking, ``HELD`` for a pending booking while its hold lasts (a lapsed
    hold that no sweep has marked yet already counts for nothing), ``AVAILABLE`` for no claim or a claim that no
    longer holds. Management figures count seats by this (sold = booked, held = held), blocked seats included.
    """
    if claim_status in BOOKED_STATUSES:
        return SeatStatus.BOOKED
    if claim_status == HOLDING_STATUS and claim_expires_at is not None and now < claim_expires_at:
        return SeatStatus.HELD
    return SeatStatus.AVAILABLE


def seat_status(
    *, is_active: bool, claim_status: str | None, claim_expires_at: datetime | None, now: datetime
) -> SeatStatus:
    """The status of one seat of one showing, from the seat and the booking behind its live claim (if any).

    An inactive seat is ``blocked`` whatever its claims (bookings already made keep it); otherwise the claim
    decides (:func:`claim_effect`).
    """
    if not is_active:
        return SeatStatus.BLOCKED
    return claim_effect(claim_status=claim_status, claim_expires_at=claim_expires_at, now=now)


def is_taken(status: SeatStatus) -> bool:
    """A seat that counts against ``available_seats``: held or booked (a blocked seat is not in the capacity)."""
    return status in (SeatStatus.HELD, SeatStatus.BOOKED)
