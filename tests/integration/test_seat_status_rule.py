"""The seat-availability rule lives once in Python (``domain/seat_maps.py``) and is mirrored once in SQL
(``adapters/postgres/seat_status.py``). This table of cases holds both to the same answers, the SQL on a real
PostgreSQL: whoever changes one side sees this test fail until the other side follows."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Boolean, DateTime, String, literal, select
from sqlalchemy.ext.asyncio import AsyncEngine

from lynriescoop.adapters.postgres.seat_status import claim_effect_sql, seat_status_sql
from lynriescoop.domain.seat_maps import SeatStatus, claim_effect, seat_status

NOW = datetime(2026, 12, 1, 18, 0, tzinfo=UTC)
LATER = NOW + timedelta(minutes=5)
EARLIER = NOW - timedelta(minutes=5)

# (seat is active, status of the booking behind the live claim, when its hold ends)
#   -> what the claim does (sold/held figures count by it), the seat's status on a seat map.
A, H, B, X = SeatStatus.AVAILABLE, SeatStatus.HELD, SeatStatus.BOOKED, SeatStatus.BLOCKED
CASES: list[tuple[bool, str | None, datetime | None, SeatStatus, SeatStatus]] = [
    (True, None, None, A, A),
    (True, "pending", LATER, H, H),
    (True, "pending", NOW, A, A),  # the hold ends at this very instant: over
    (True, "pending", EARLIER, A, A),  # lapsed, not swept yet
    (True, "pending", None, A, A),
    (True, "confirmed", None, B, B),
    (True, "confirmed", EARLIER, B, B),
    (True, "completed", None, B, B),
    (True, "cancelled", LATER, A, A),
    (True, "expired", LATER, A, A),
    (False, None, None, A, X),
    (False, "pending", LATER, H, X),  # blocked on the map; the hold still counts as held in the figures
    (False, "confirmed", None, B, X),  # bookings already made keep a seat that gets blocked
]
IDS = [
    f"{'active' if a else 'inactive'}-{s}-{'none' if e is None else (e - NOW).total_seconds()}"
    for a, s, e, _, _ in CASES
]


PARAMS = ("is_active", "claim_status", "expires_at", "effect", "status")


@pytest.mark.parametrize(PARAMS, CASES, ids=IDS)
def test_the_python_rule(
    is_active: bool, claim_status: str | None, expires_at: datetime | None, effect: SeatStatus, status: SeatStatus
) -> None:
    assert claim_effect(claim_status=claim_status, claim_expires_at=expires_at, now=NOW) is effect
    assert seat_status(is_active=is_active, claim_status=claim_status, claim_expires_at=expires_at, now=NOW) is status


@pytest.mark.parametrize(PARAMS, CASES, ids=IDS)
async def test_the_sql_mirror_answers_the_same(
    db_engine: AsyncEngine,
    is_active: bool,
    claim_status: str | None,
    expires_at: datetime | None,
    effect: SeatStatus,
    status: SeatStatus,
) -> None:
    active = literal(is_active, Boolean)
    booking_status = literal(claim_status, String)
    ends = literal(expires_at, DateTime(timezone=True))
    stmt = select(claim_effect_sql(booking_status, ends, NOW), seat_status_sql(active, booking_status, ends, NOW))
    async with db_engine.connect() as conn:
        row = (await conn.execute(stmt)).one()
    assert tuple(row) == (effect.value, status.value)
