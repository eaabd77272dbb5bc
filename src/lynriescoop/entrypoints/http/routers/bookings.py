"""Bookings (API.md §6): hold, confirm, cancel, list and read — customers see only their own."""

from __future__ import annotations

import asyncio
from typing import Annotated
from uuid import UUID

import orjson
from fastapi import APIRouter, Depends, Header, Query, Response

from lynriescoop.application.bookings.cancel_booking import CancelBooking, CancelBookingCommand
from lynriescoop.application.bookings.confirm_booking import ConfirmBooking, ConfirmBookingCommand
from lynriescoop.application.bookings.get_booking import GetBooking
from lynriescoop.application.bookings.list_bookings import ListBookings
from lynriescoop.application.bookings.place_booking import PlaceBooking, PlaceBookingCommand, PlacedBooking
from lynriescoop.application.ports.bookings import BookingFilter
from lynriescoop.domain.bookings import BookingStatus
from lynriescoop.entrypoints.container import Container
from lynriescoop.entrypoints.http.dependencies import Claims, CurrentUser, provide
from lynriescoop.entrypoints.http.openapi_problems import problems
from lynriescoop.entrypoints.http.schemas.bookings import BookingCreate, BookingOut
from lynriescoop.entrypoints.http.schemas.paging import Limit, Offset, PageOut

router = APIRouter(prefix="/bookings", tags=["bookings"])

AUTH = problems((401, "not_authenticated"))
IdempotencyKey = Annotated[
    str | None,
    Header(
        alias="Idempotency-Key",
        min_length=1,
        max_length=255,
        pattern=r"^[\x21-\x7e]+$",
        description="Replays the first answer for the same body within 24 h.",
    ),
]


@router.post(
    "",
    status_code=201,
    response_model=BookingOut,
    summary="Hold seats (or book them at once with `confirm: true`). Auth: user.",
    description=PlaceBooking.__doc__ or "",
    responses=AUTH
    | problems(
        (404, "showing_not_found"),
        (409, "seats_unavailable"),
        (422, "showing_not_bookable"),
        (422, "too_many_seats"),
        (422, "seat_not_in_room"),
        (422, "single_seat_gap"),
        (422, "companion_needs_wheelchair"),
        (422, "duplicate_seats"),
        (422, "idempotency_key_reused"),
        (422, "validation_error"),
    ),
)
async def place_booking(
    body: BookingCreate,
    claims: Claims,
    place: Annotated[PlaceBooking, Depends(provide(Container.place_booking))],
    gate: Annotated[asyncio.Semaphore, Depends(provide(Container.booking_gate))],
    idempotency_key: IdempotencyKey = None,
) -> Response:
    # The token's user; PlaceBooking checks the account in its own transaction (one transaction fewer).
    command = PlaceBookingCommand(claims.user_id, body.showing_id, tuple(body.seat_ids), body.confirm, idempotency_key)
    async with gate:  # BOOKING_CONCURRENCY at once; the others wait here, off the event loop's ready queue
        placed = await place(command)
    return placed_booking_response(placed)


def placed_booking_response(placed: PlacedBooking) -> Response:
    """The answer to placing a booking (here and best available): 201 with the placed booking's document, sent as
    it was stored for the Idempotency-Key, so the first answer and a replay are the same bytes. It is the one
    booking answer not built through ``BookingOut``: the document exists anyway (it is what a replay returns), and
    sending it as it is saves the schema's validation and serialisation, about 40 µs of CPU per booking
    (docs/performance.md). ``tests/unit/bookings/test_booking_document.py`` holds it to ``BookingOut``."""
    headers = {"Idempotent-Replayed": "true"} if placed.replayed else None
    return Response(orjson.dumps(placed.document), status_code=201, headers=headers, media_type="application/json")


@router.get(
    "",
    response_model=PageOut[BookingOut],
    summary="Your own bookings, newest first. Auth: user.",
    responses=AUTH | problems((422, "validation_error")),
)
async def list_my_bookings(
    user: CurrentUser,
    list_bookings: Annotated[ListBookings, Depends(provide(Container.list_bookings))],
    status: BookingStatus | None = None,
    upcoming: Annotated[bool | None, Query(description="Only showings still to start (true) or past (false).")] = None,
    limit: Limit = 20,
    offset: Offset = 0,
) -> PageOut[BookingOut]:
    page = await list_bookings(BookingFilter(user_id=user.id, status=status, upcoming=upcoming), limit, offset)
    return PageOut[BookingOut](
        items=[BookingOut.of(v) for v in page.items], total=page.total, limit=limit, offset=offset
    )


@router.get(
    "/{booking_id}",
    response_model=BookingOut,
    summary="One booking. Auth: its owner or a manager.",
    responses=AUTH | problems((404, "booking_not_found")),
)
async def get_booking(
    booking_id: UUID, user: CurrentUser, get: Annotated[GetBooking, Depends(provide(Container.get_booking))]
) -> BookingOut:
    return BookingOut.of(await get(booking_id, user.id, as_manager=user.is_manager))


@router.post(
    "/{booking_id}/confirm",
    response_model=BookingOut,
    summary="Confirm your hold. Auth: its owner.",
    description=ConfirmBooking.__doc__ or "",
    responses=AUTH | problems((404, "booking_not_found"), (409, "hold_expired"), (409, "booking_cancelled")),
)
async def confirm_booking(
    booking_id: UUID, claims: Claims, confirm: Annotated[ConfirmBooking, Depends(provide(Container.confirm_booking))]
) -> BookingOut:
    # The token's user; ConfirmBooking checks the account in its own transaction (one transaction fewer).
    return BookingOut.of(await confirm(ConfirmBookingCommand(claims.user_id, booking_id)))


@router.post(
    "/{booking_id}/cancel",
    response_model=BookingOut,
    summary="Cancel a booking and release its seats. Auth: its owner or a manager.",
    description=CancelBooking.__doc__ or "",
    responses=AUTH | problems((404, "booking_not_found"), (422, "cancellation_closed")),
)
async def cancel_booking(
    booking_id: UUID, user: CurrentUser, cancel: Annotated[CancelBooking, Depends(provide(Container.cancel_booking))]
) -> BookingOut:
    return BookingOut.of(await cancel(CancelBookingCommand(user.id, booking_id, as_manager=user.is_manager)))
