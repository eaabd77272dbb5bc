"""Best available (API.md §6): the best neighbouring seats of a showing for a party, held or booked at once."""

from __future__ import annotations

import inspect
from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Depends, Response

from lynriescoop.application.bookings.best_available import BestAvailable, BestAvailableCommand
from lynriescoop.domain.rooms import SeatCategory
from lynriescoop.entrypoints.container import Container
from lynriescoop.entrypoints.http.dependencies import CurrentUser, provide
from lynriescoop.entrypoints.http.openapi_problems import problems
from lynriescoop.entrypoints.http.routers.bookings import IdempotencyKey, placed_booking_response
from lynriescoop.entrypoints.http.schemas.bookings import BestAvailableCreate, BookingOut

router = APIRouter(prefix="/showings", tags=["bookings"])


@router.post(
    "/{showing_id}/best-available",
    status_code=201,
    response_model=BookingOut,
    summary="Hold the best neighbouring seats for a party (or book them with `confirm: true`). Auth: user.",
    description=f"**Auth:** user (bearer token).\n\n{inspect.cleandoc(BestAvailable.__doc__ or '')}",
    responses=problems(
        (401, "not_authenticated"),
        (404, "showing_not_found"),
        (409, "no_adjacent_seats"),
        (409, "seats_unavailable"),
        (422, "showing_not_bookable"),
        (422, "too_many_seats"),
        (422, "idempotency_key_reused"),
        (422, "validation_error"),
    ),
)
async def best_available(
    showing_id: UUID,
    body: BestAvailableCreate,
    user: CurrentUser,
    pick: Annotated[BestAvailable, Depends(provide(Container.best_available))],
    idempotency_key: IdempotencyKey = None,
) -> Response:
    category = SeatCategory(body.category) if body.category else None
    command = BestAvailableCommand(
        user.id, showing_id, body.count, category, body.accessible, body.confirm, idempotency_key
    )
    return placed_booking_response(await pick(command))
