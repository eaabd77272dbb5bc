"""Every rule and state transition of the booking engine, on the in-memory adapters."""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from uuid import UUID

import pytest

from lynriescoop.application.bookings.cancel_booking import CancelBookingCommand
from lynriescoop.application.bookings.confirm_booking import ConfirmBookingCommand
from lynriescoop.application.bookings.place_booking import PlaceBookingCommand
from lynriescoop.application.ports.bookings import BookingView
from lynriescoop.domain import events
from lynriescoop.domain.errors import (
    BookingCancelled,
    BookingNotFound,
    CancellationClosed,
    HoldExpired,
    IdempotencyKeyReused,
    NotAuthenticated,
    RuleViolated,
    SeatNotInRoom,
    SeatsUnavailable,
    ShowingNotBookable,
    ShowingNotFound,
    TooManySeats,
)
from lynriescoop.domain.events import (
    BookingConfirmed,
    BookingStatusChanged,
    SeatChangeReason,
    SeatsChanged,
)
from lynriescoop.domain.showings import ShowingStatus
from lynriescoop.entrypoints.http.schemas.bookings import BookingOut
from tests.unit.bookings.conftest import Engine


async def _hold(
    engine: Engine, user: str, *labels: str, confirm: bool = False, key: str | None = None
) -> dict[str, Any]:
    command = PlaceBookingCommand(engine.user(user), engine.world.showing.id, engine.seats(*labels), confirm, key)
    return (await engine.place(command)).document


def _answer(view: BookingView) -> dict[str, Any]:
    """The booking as the HTTP answer shows it."""
    return BookingOut.of(view).model_dump(mode="json")


def _seat_changes(engine: Engine) -> list[tuple[int, SeatChangeReason, list[str]]]:
    return [(e.version, e.reason, [s.label for s in e.seats]) for e in engine.events if isinstance(e, SeatsChanged)]


async def test_hold_is_pending_until_hold_minutes(engine: Engine) -> None:
    booking = await _hold(engine, "ann", "A1", "E1")
    assert booking["status"] == "pending"
    assert booking["total_price"] == "25.00"
    assert [(s["label"], s["price"]) for s in booking["seats"]] == [("A1", "10.00"), ("E1", "15.00")]
    assert booking["expires_at"] == (engine.clock.now() + timedelta(minutes=10)).isoformat().replace("+00:00", "Z")
    assert _seat_changes(engine) == [(1, SeatChangeReason.HELD, ["A1", "E1"])]
    assert [e.status for e in engine.events if isinstance(e, BookingStatusChanged)] == ["pending"]


async def test_confirm_true_books_at_once_and_emails(engine: Engine) -> None:
    booking = await _hold(engine, "ann", "B1", confirm=True)
    assert booking["status"] == "confirmed" and booking["expires_at"] is None
    emails = [e for e in engine.events if isinstance(e, BookingConfirmed)]
    assert len(emails) == 1
    assert emails[0].details.booking_number == booking["booking_number"]
    assert emails[0].details.recipient_email == "ann@example.com"
    assert emails[0].details.cancel_deadline == engine.world.showing.start_time - timedelta(minutes=60)
    assert _seat_changes(engine) == [(1, SeatChangeReason.BOOKED, ["B1"])]


async def test_taken_seats_fail_the_whole_request_and_are_named(engine: Engine) -> None:
    await _hold(engine, "ann", "C1", "C2")
    with pytest.raises(SeatsUnavailable) as info:
        await _hold(engine, "bob", "C2", "C3")
    assert info.value.seat_ids == [str(engine.world.seat("C2").id)]
    # C3 was not taken either: all or none.
    booking = await _hold(engine, "bob", "C3")
    assert booking["status"] == "pending"


async def test_duplicate_seat_ids_are_refused(engine: Engine) -> None:
    with pytest.raises(RuleViolated) as info:
        await _hold(engine, "ann", "A1", "A1")
    assert info.value.code == "duplicate_seats"


async def test_blocked_seat_is_unavailable(engine: Engine) -> None:
    engine.store.state.rooms[engine.world.room.id].seats[0].is_active = False
    with pytest.raises(SeatsUnavailable) as info:
        await _hold(engine, "ann", "A1", "A2")
    assert info.value.seat_ids == [str(engine.world.seat("A1").id)]


async def test_seat_of_another_room_is_refused(engine: Engine) -> None:
    with pytest.raises(SeatNotInRoom):
        await engine.place(PlaceBookingCommand(engine.user("ann"), engine.world.showing.id, (engine.world.movie.id,)))


async def test_unknown_showing(engine: Engine) -> None:
    with pytest.raises(ShowingNotFound):
        await engine.place(PlaceBookingCommand(engine.user("ann"), engine.world.room.id, engine.seats("A1")))


@pytest.mark.parametrize("case", ["cancelled", "started", "completed"])
async def test_showing_not_bookable(engine: Engine, case: str) -> None:
    showing = engine.store.state.showings[engine.world.showing.id]
    if case == "cancelled":
        showing.status = ShowingStatus.CANCELLED
    elif case == "started":
        engine.clock.current = showing.start_time + timedelta(minutes=1)
    else:
        engine.clock.current = showing.end_time + timedelta(minutes=1)
    with pytest.raises(ShowingNotBookable):
        await _hold(engine, "ann", "A1")


async def test_too_many_seats_counts_live_holds_and_bookings(engine: Engine) -> None:
    await _hold(engine, "ann", "A1", "A2")
    await _hold(engine, "ann", "A3", confirm=True)
    with pytest.raises(TooManySeats):
        await _hold(engine, "ann", "A4", "A5")
    await _hold(engine, "ann", "A4")  # exactly the maximum of 4
    with pytest.raises(TooManySeats):
        await _hold(engine, "ann", "A6", "A7", "A8", "A9", "A10")


async def test_expired_hold_never_blocks_and_is_released_in_the_same_transaction(engine: Engine) -> None:
    first = await _hold(engine, "ann", "D1", "D2")
    engine.clock.advance(timedelta(minutes=10))
    second = await _hold(engine, "bob", "D1")
    assert second["status"] == "pending"
    statuses = {str(b.id): b.status.value for b in engine.store.state.bookings.values()}
    assert statuses[first["id"]] == "expired"
    assert _seat_changes(engine) == [
        (1, SeatChangeReason.HELD, ["D1", "D2"]),
        (2, SeatChangeReason.EXPIRED, ["D1", "D2"]),
        (3, SeatChangeReason.HELD, ["D1"]),
    ]


async def test_confirm_hold(engine: Engine) -> None:
    held = await _hold(engine, "ann", "E1")
    confirmed = _answer(await engine.confirm(ConfirmBookingCommand(engine.user("ann"), UUID(held["id"]))))
    assert confirmed["status"] == "confirmed" and confirmed["confirmed_at"] is not None
    again = _answer(await engine.confirm(ConfirmBookingCommand(engine.user("ann"), UUID(held["id"]))))
    assert again == confirmed
    assert [v for v, _, _ in _seat_changes(engine)] == [1, 2]
    assert sum(isinstance(e, BookingConfirmed) for e in engine.events) == 1


async def test_confirm_someone_elses_booking_is_not_found(engine: Engine) -> None:
    held = await _hold(engine, "ann", "E3")
    with pytest.raises(BookingNotFound):
        await engine.confirm(ConfirmBookingCommand(engine.user("bob"), UUID(held["id"])))


async def test_confirm_checks_the_account_in_its_own_transaction(engine: Engine) -> None:
    held = await _hold(engine, "ann", "E3")
    engine.store.state.users[engine.user("ann")].is_active = False  # disabled after the token was issued
    with pytest.raises(NotAuthenticated):
        await engine.confirm(ConfirmBookingCommand(engine.user("ann"), UUID(held["id"])))
    booking = engine.store.state.bookings[UUID(held["id"])]
    assert booking.status.value == "pending" and booking.seats[0].is_live  # nothing changed
    assert not any(isinstance(e, BookingConfirmed) for e in engine.events)


async def test_confirm_lapsed_hold_expires_it_and_frees_the_seats(engine: Engine) -> None:
    held = await _hold(engine, "ann", "E4")
    engine.clock.advance(timedelta(minutes=11))
    with pytest.raises(HoldExpired):
        await engine.confirm(ConfirmBookingCommand(engine.user("ann"), UUID(held["id"])))
    booking = next(iter(engine.store.state.bookings.values()))
    assert booking.status.value == "expired" and not booking.seats[0].is_live
    with pytest.raises(HoldExpired):
        await engine.confirm(ConfirmBookingCommand(engine.user("ann"), UUID(held["id"])))


async def test_confirm_cancelled_booking(engine: Engine) -> None:
    held = await _hold(engine, "ann", "E5")
    await engine.cancel(CancelBookingCommand(engine.user("ann"), UUID(held["id"])))
    with pytest.raises(BookingCancelled):
        await engine.confirm(ConfirmBookingCommand(engine.user("ann"), UUID(held["id"])))


async def test_customer_cancel_until_cutoff_then_closed(engine: Engine) -> None:
    early = await _hold(engine, "ann", "B5", confirm=True)
    cancelled = _answer(await engine.cancel(CancelBookingCommand(engine.user("ann"), UUID(early["id"]))))
    assert cancelled["status"] == "cancelled" and cancelled["cancelled_at"] is not None
    assert _answer(await engine.cancel(CancelBookingCommand(engine.user("ann"), UUID(early["id"])))) == cancelled
    late = await _hold(engine, "ann", "B6", confirm=True)
    engine.clock.current = engine.world.showing.start_time - timedelta(minutes=59)
    with pytest.raises(CancellationClosed):
        await engine.cancel(CancelBookingCommand(engine.user("ann"), UUID(late["id"])))
    by_manager = await engine.cancel(CancelBookingCommand(engine.user("boss"), UUID(late["id"]), as_manager=True))
    assert _answer(by_manager)["status"] == "cancelled"
    emails = [e for e in engine.events if isinstance(e, events.BookingCancelled)]
    assert [e.details.reason for e in emails] == ["customer", "manager"]


async def test_a_manager_cancelling_their_own_booking_is_recorded_as_its_customer(engine: Engine) -> None:
    own = await _hold(engine, "boss", "B4", confirm=True)
    engine.clock.current = engine.world.showing.start_time - timedelta(minutes=5)  # past the customers' cutoff
    cancelled = await engine.cancel(CancelBookingCommand(engine.user("boss"), UUID(own["id"]), as_manager=True))
    assert cancelled.booking.cancelled_by is not None and cancelled.booking.cancelled_by.value == "customer"
    emails = [e for e in engine.events if isinstance(e, events.BookingCancelled)]
    assert [e.details.reason for e in emails] == ["customer"]


async def test_someone_else_cannot_cancel(engine: Engine) -> None:
    held = await _hold(engine, "ann", "B7")
    with pytest.raises(BookingNotFound):
        await engine.cancel(CancelBookingCommand(engine.user("bob"), UUID(held["id"])))


async def test_cancelled_seats_are_free_again(engine: Engine) -> None:
    held = await _hold(engine, "ann", "B8")
    await engine.cancel(CancelBookingCommand(engine.user("ann"), UUID(held["id"])))
    assert (await _hold(engine, "bob", "B8"))["status"] == "pending"
    assert [r for _, r, _ in _seat_changes(engine)] == [
        SeatChangeReason.HELD,
        SeatChangeReason.RELEASED,
        SeatChangeReason.HELD,
    ]


async def test_idempotency_key_replays_and_refuses_other_bodies(engine: Engine) -> None:
    first = await _hold(engine, "ann", "C5", key="k-1")
    replay = await engine.place(
        PlaceBookingCommand(engine.user("ann"), engine.world.showing.id, engine.seats("C5"), False, "k-1")
    )
    assert replay.replayed and replay.document == first
    assert len(engine.store.state.bookings) == 1
    with pytest.raises(IdempotencyKeyReused):
        await _hold(engine, "ann", "C6", key="k-1")
    # The same key from another user is another key.
    assert (await _hold(engine, "bob", "C6", key="k-1"))["status"] == "pending"


async def test_sweeper_expires_lapsed_holds_and_completes_ended_bookings(engine: Engine) -> None:
    held = await _hold(engine, "ann", "A1")
    booked = await _hold(engine, "bob", "A2", confirm=True)
    engine.clock.advance(timedelta(minutes=10))
    result = await engine.sweep()
    assert (result.expired, result.completed) == (1, 0)
    assert engine.store.state.bookings[UUID(held["id"])].status.value == "expired"
    engine.clock.current = engine.world.showing.end_time
    result = await engine.sweep()
    assert (result.expired, result.completed) == (0, 1)
    statuses = {str(b.id): b.status.value for b in engine.store.state.bookings.values()}
    assert statuses[booked["id"]] == "completed"
    assert engine.store.state.showings[engine.world.showing.id].status is ShowingStatus.COMPLETED
