"""Showings as the domain sees them: scheduling, revising, cancelling, conflicts and seat status."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from lynriescoop.domain.errors import InvalidSchedule, RoomLacksFeature, RuleViolated, ShowingOverlap
from lynriescoop.domain.rooms import Features, SeatCategory
from lynriescoop.domain.seat_maps import SeatStatus, seat_status
from lynriescoop.domain.showings import Showing, ShowingStatus

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
ROOM = uuid.uuid4()
CLEANING = timedelta(minutes=15)


def schedule(start: datetime, end: datetime | None = None, **kwargs: object) -> Showing:
    values: dict[str, object] = {
        "movie_id": uuid.uuid4(),
        "room_id": ROOM,
        "room_features": Features(),
        "start_time": start,
        "end_time": end or start + timedelta(hours=2),
        "price": Decimal("10"),
        "prices": {},
        "is_3d": False,
        "is_imax": False,
        "is_dolby": False,
        "now": NOW,
    }
    values.update(kwargs)
    return Showing.schedule(**values)  # type: ignore[arg-type]


def test_schedule_keeps_prices_with_two_places() -> None:
    showing = schedule(NOW + timedelta(hours=1), price=Decimal("9.5"), prices={SeatCategory.PREMIUM: Decimal("12")})
    assert showing.price == Decimal("9.50") and str(showing.price) == "9.50"
    assert showing.price_for(SeatCategory.PREMIUM) == Decimal("12.00")
    assert showing.price_for(SeatCategory.WHEELCHAIR) == Decimal("9.50")
    assert showing.status is ShowingStatus.SCHEDULED and showing.seat_version == 0


@pytest.mark.parametrize(
    ("start", "end"),
    [
        (NOW - timedelta(minutes=1), NOW + timedelta(hours=1)),
        (NOW + timedelta(hours=1), NOW + timedelta(hours=1)),
        (NOW + timedelta(hours=2), NOW + timedelta(hours=1)),
    ],
)
def test_times_must_make_sense(start: datetime, end: datetime) -> None:
    with pytest.raises(InvalidSchedule):
        schedule(start, end)


def test_a_negative_price_is_refused() -> None:
    with pytest.raises(RuleViolated) as caught:
        schedule(NOW + timedelta(hours=1), prices={SeatCategory.PREMIUM: Decimal("-1")})
    assert caught.value.code == "invalid_price"


def test_formats_need_the_room_features() -> None:
    with pytest.raises(RoomLacksFeature, match="imax"):
        schedule(NOW + timedelta(hours=1), is_imax=True, room_features=Features(has_3d=True))
    assert schedule(NOW + timedelta(hours=1), is_3d=True, room_features=Features(has_3d=True)).is_3d


def test_conflicts_count_cleaning_time_on_both_sides() -> None:
    first = schedule(NOW + timedelta(hours=2), NOW + timedelta(hours=4))
    just_after = schedule(NOW + timedelta(hours=4, minutes=15), NOW + timedelta(hours=6))
    too_soon = schedule(NOW + timedelta(hours=4, minutes=14), NOW + timedelta(hours=6))
    just_before = schedule(NOW + timedelta(minutes=5), NOW + timedelta(hours=1, minutes=45))
    too_late = schedule(NOW + timedelta(minutes=5), NOW + timedelta(hours=1, minutes=46))
    just_after.ensure_no_conflict([first], CLEANING)
    just_before.ensure_no_conflict([first], CLEANING)
    for clash in (too_soon, too_late):
        with pytest.raises(ShowingOverlap):
            clash.ensure_no_conflict([first], CLEANING)
    first.status = ShowingStatus.CANCELLED
    too_soon.ensure_no_conflict([first], CLEANING)


def test_revise_keeps_the_duration_when_only_the_start_moves() -> None:
    showing = schedule(NOW + timedelta(hours=2), NOW + timedelta(hours=4))
    showing.revise(now=NOW, room_id=ROOM, room_features=Features(), start_time=NOW + timedelta(hours=3))
    assert (showing.start_time, showing.end_time) == (NOW + timedelta(hours=3), NOW + timedelta(hours=5))
    showing.revise(now=NOW, room_id=ROOM, room_features=Features(), end_time=NOW + timedelta(hours=6))
    assert showing.end_time == NOW + timedelta(hours=6)
    with pytest.raises(InvalidSchedule):
        showing.revise(now=NOW, room_id=ROOM, room_features=Features(), end_time=NOW + timedelta(hours=3))
    with pytest.raises(InvalidSchedule):
        showing.revise(now=NOW, room_id=ROOM, room_features=Features(), start_time=NOW - timedelta(hours=1))


def test_revise_checks_formats_against_the_target_room() -> None:
    showing = schedule(NOW + timedelta(hours=2), is_dolby=True, room_features=Features(has_dolby=True))
    with pytest.raises(RoomLacksFeature):
        showing.revise(now=NOW, room_id=uuid.uuid4(), room_features=Features())
    showing.revise(now=NOW, room_id=uuid.uuid4(), room_features=Features(), is_dolby=False)
    assert not showing.is_dolby


def test_cancelled_or_ended_showings_do_not_change() -> None:
    showing = schedule(NOW + timedelta(hours=1))
    assert showing.cancel(NOW) is True
    assert showing.cancel(NOW) is False
    with pytest.raises(InvalidSchedule):
        showing.revise(now=NOW, room_id=ROOM, room_features=Features(), price=Decimal("1"))
    ended = schedule(NOW + timedelta(hours=1))
    later = NOW + timedelta(hours=3, seconds=1)
    assert ended.effective_status(later) is ShowingStatus.COMPLETED
    with pytest.raises(InvalidSchedule):
        ended.cancel(later)


@pytest.mark.parametrize(
    ("active", "claim", "expires_in", "expected"),
    [
        (True, None, None, SeatStatus.AVAILABLE),
        (False, None, None, SeatStatus.BLOCKED),
        (False, "confirmed", None, SeatStatus.BLOCKED),
        (True, "confirmed", None, SeatStatus.BOOKED),
        (True, "completed", None, SeatStatus.BOOKED),
        (True, "pending", timedelta(seconds=1), SeatStatus.HELD),
        (True, "pending", timedelta(0), SeatStatus.AVAILABLE),
        (True, "pending", -timedelta(minutes=1), SeatStatus.AVAILABLE),
    ],
)
def test_seat_status(active: bool, claim: str | None, expires_in: timedelta | None, expected: SeatStatus) -> None:
    expires = NOW + expires_in if expires_in is not None else None
    assert seat_status(is_active=active, claim_status=claim, claim_expires_at=expires, now=NOW) is expected
