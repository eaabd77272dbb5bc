"""domain/formats.py writes every time and amount of the contract; pydantic writes the schemas' times the same way."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal

import pytest
from pydantic import BaseModel

from lynriescoop.domain.formats import money, parse_rfc3339, rfc3339, rfc3339_or_none, utc

MOMENTS = [
    datetime(2026, 11, 28, 19, 30, tzinfo=UTC),
    datetime(2026, 11, 28, 19, 30, 0, 120000, tzinfo=UTC),
    datetime(2026, 11, 28, 20, 30, 5, 7, tzinfo=timezone(timedelta(hours=1))),
    datetime(2026, 3, 29, 1, 59, 59, tzinfo=timezone(timedelta(hours=-9, minutes=-30))),
]


class _Stamp(BaseModel):
    at: datetime


@pytest.mark.parametrize("moment", MOMENTS)
def test_pydantic_writes_a_utc_time_as_rfc3339_does(moment: datetime) -> None:
    written = rfc3339(moment)
    assert written.endswith("Z") and "+" not in written
    assert _Stamp(at=utc(moment)).model_dump(mode="json")["at"] == written
    assert parse_rfc3339(written) == moment


def test_rfc3339_examples() -> None:
    assert rfc3339(MOMENTS[0]) == "2026-11-28T19:30:00Z"
    assert rfc3339(MOMENTS[2]) == "2026-11-28T19:30:05.000007Z"
    assert rfc3339_or_none(None) is None and rfc3339_or_none(MOMENTS[0]) == "2026-11-28T19:30:00Z"


def test_a_naive_time_is_refused_not_guessed() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        rfc3339(datetime(2026, 11, 28, 19, 30))
    with pytest.raises(ValueError, match="without offset"):
        parse_rfc3339("2026-11-28T19:30:00")


@pytest.mark.parametrize(
    ("amount", "written"),
    [("12.5", "12.50"), ("0", "0.00"), ("7", "7.00"), ("99999.99", "99999.99"), ("1E+2", "100.00"), ("0.005", "0.01")],
)
def test_money_has_two_places(amount: str, written: str) -> None:
    assert money(Decimal(amount)) == written
