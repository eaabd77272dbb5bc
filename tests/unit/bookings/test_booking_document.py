"""One booking, one JSON: the placed booking's document (sent by POST /bookings and best available, stored for the
Idempotency-Key, sent on ``booking/response``) and ``BookingOut`` (every other booking answer) never disagree."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from typing import Any
from uuid import UUID

from lynriescoop.adapters.memory.unit_of_work import MemoryUnitOfWork
from lynriescoop.application.bookings.cancel_booking import CancelBookingCommand
from lynriescoop.application.bookings.confirm_booking import ConfirmBookingCommand
from lynriescoop.application.bookings.place_booking import PlaceBookingCommand
from lynriescoop.application.bookings.serialization import booking_document
from lynriescoop.application.delivery.routing import route_event
from lynriescoop.application.ports.bookings import BookingFilter, BookingView
from lynriescoop.entrypoints.http.schemas.bookings import AdminBookingOut, BookingOut
from tests.unit.bookings.conftest import Engine


async def _view(engine: Engine, booking_id: UUID) -> BookingView:
    async with MemoryUnitOfWork(engine.store, route_event) as uow:
        view = await uow.bookings.view(booking_id)
    assert view is not None
    return view


def _schema_json(view: BookingView) -> dict[str, Any]:
    return BookingOut.of(view).model_dump(mode="json")


def _holds_to_the_schema(document: dict[str, Any]) -> None:
    """The document is a valid ``BookingOut`` and comes out of it unchanged."""
    assert BookingOut.model_validate(document).model_dump(mode="json") == document


async def test_the_placed_document_is_the_schema_of_the_booking_in_every_state(engine: Engine) -> None:
    command = PlaceBookingCommand(engine.user("ann"), engine.world.showing.id, engine.seats("A1", "E1"), False, "k")
    placed = await engine.place(command)
    booking_id = UUID(placed.document["id"])
    held = await _view(engine, booking_id)
    _holds_to_the_schema(placed.document)
    assert placed.document == booking_document(held) == _schema_json(held)
    assert placed.document["status"] == "pending" and placed.document["expires_at"] is not None

    replayed = await engine.place(command)
    assert replayed.replayed and replayed.document == _schema_json(held)

    confirmed = await engine.confirm(ConfirmBookingCommand(engine.user("ann"), booking_id))
    _holds_to_the_schema(booking_document(confirmed))
    assert booking_document(confirmed) == _schema_json(confirmed)
    assert _schema_json(confirmed)["confirmed_at"] is not None

    cancelled = await engine.cancel(CancelBookingCommand(engine.user("ann"), booking_id))
    _holds_to_the_schema(booking_document(cancelled))
    assert booking_document(cancelled) == _schema_json(cancelled)
    assert _schema_json(cancelled)["cancelled_at"] is not None


async def test_times_are_utc_and_amounts_have_two_places_in_both(engine: Engine) -> None:
    command = PlaceBookingCommand(engine.user("bob"), engine.world.showing.id, engine.seats("B1"), True, None)
    view = await _view(engine, UUID((await engine.place(command)).document["id"]))
    view.booking.confirmed_at = datetime(2026, 11, 20, 14, 0, 0, 120000, tzinfo=timezone(timedelta(hours=2)))
    document = booking_document(view)
    assert document["confirmed_at"] == "2026-11-20T12:00:00.120000Z"
    assert document["created_at"] == engine.clock.now().astimezone(UTC).isoformat().replace("+00:00", "Z")
    assert [seat["price"] for seat in document["seats"]] == ["10.00"] and document["total_price"] == "10.00"
    assert document == _schema_json(view)


async def test_a_managers_booking_is_the_same_document_with_its_user(engine: Engine) -> None:
    command = PlaceBookingCommand(engine.user("ann"), engine.world.showing.id, engine.seats("C1"), False, None)
    placed = await engine.place(command)
    async with MemoryUnitOfWork(engine.store, route_event) as uow:
        page = await uow.bookings.list_views(BookingFilter(), engine.clock.now(), 20, 0, with_user=True)
    [view] = page.items
    assert view.user is not None
    user = {"id": str(engine.user("ann")), "email": "ann@example.com", "name": view.user.name}
    assert AdminBookingOut.of(view).model_dump(mode="json") == placed.document | {"user": user}
