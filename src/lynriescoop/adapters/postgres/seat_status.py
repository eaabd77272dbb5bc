"""The seat-availability rule of ``domain/seat_maps.py``, mirrored ONCE in SQL for the queries that count seats in
the database (``available_seats`` of the showing views, sold and held of the management figures).

``tests/integration/test_seat_status_rule.py`` holds this expression and the Python rule to the same table of cases
on a real PostgreSQL: change one, and that test tells you to change the other.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, String, and_, case, literal_column, not_

from lynriescoop.domain.seat_maps import BOOKED_STATUSES, HOLDING_STATUS, SeatStatus

_BOOKED = sorted(BOOKED_STATUSES)


def _text(status: SeatStatus) -> ColumnElement[str]:
    """A status as an inline SQL string literal (a constant of the enum, not input: no bound parameter)."""
    return literal_column(f"'{status.value}'", String)


def claim_effect_sql(
    claim_status: ColumnElement[Any], claim_expires_at: ColumnElement[Any], now: datetime | ColumnElement[Any]
) -> ColumnElement[str]:
    """SQL for :func:`lynriescoop.domain.seat_maps.claim_effect`: 'booked', 'held' or 'available'."""
    return case(
        (claim_status.in_(_BOOKED), _text(SeatStatus.BOOKED)),
        (
            and_(claim_status == HOLDING_STATUS, claim_expires_at > now),
            _text(SeatStatus.HELD),
        ),
        else_=_text(SeatStatus.AVAILABLE),
    )


def seat_status_sql(
    is_active: ColumnElement[Any],
    claim_status: ColumnElement[Any],
    claim_expires_at: ColumnElement[Any],
    now: datetime | ColumnElement[Any],
) -> ColumnElement[str]:
    """SQL for :func:`lynriescoop.domain.seat_maps.seat_status`: 'blocked' for an inactive seat, else the claim's
    effect."""
    return case(
        (not_(is_active), _text(SeatStatus.BLOCKED)),
        else_=claim_effect_sql(claim_status, claim_expires_at, now),
    )


TAKEN = (SeatStatus.HELD.value, SeatStatus.BOOKED.value)
