"""Management of bookings (API.md §7): every booking with its user, and the sales figures."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Depends, Query, Request
from pydantic import AwareDatetime

from lynriescoop.application.bookings.get_stats import GetStats
from lynriescoop.application.bookings.list_bookings import ListBookings
from lynriescoop.application.ports.bookings import BookingFilter
from lynriescoop.domain.bookings import BookingStatus
from lynriescoop.entrypoints.container import Container
from lynriescoop.entrypoints.http.dependencies import CurrentManager, provide
from lynriescoop.entrypoints.http.openapi_problems import problems
from lynriescoop.entrypoints.http.schemas.bookings import AdminBookingOut, StatsOut
from lynriescoop.entrypoints.http.schemas.paging import Limit, Offset, PageOut

router = APIRouter(prefix="/admin", tags=["management"])

AUTH = problems((401, "not_authenticated"), (403, "forbidden"))


@router.get(
    "/bookings",
    response_model=PageOut[AdminBookingOut],
    summary="All bookings with their users, newest first. Auth: manager.",
    responses=AUTH | problems((422, "validation_error")),
)
async def list_all_bookings(
    _: CurrentManager,
    list_bookings: Annotated[ListBookings, Depends(provide(Container.list_bookings))],
    showing_id: UUID | None = None,
    user_id: UUID | None = None,
    status: BookingStatus | None = None,
    limit: Limit = 20,
    offset: Offset = 0,
) -> PageOut[AdminBookingOut]:
    filters = BookingFilter(user_id=user_id, showing_id=showing_id, status=status)
    page = await list_bookings(filters, limit, offset, with_user=True)
    items = [AdminBookingOut.of(v) for v in page.items]
    return PageOut[AdminBookingOut](items=items, total=page.total, limit=limit, offset=offset)


@router.get(
    "/stats",
    response_model=StatsOut,
    summary="Sales, holds, occupancy and top movies for showings starting in [from, to). Auth: manager.",
    description=GetStats.__doc__ or "",
    responses=AUTH | problems((422, "validation_error")),
)
async def stats(
    request: Request,
    _: CurrentManager,
    get_stats: Annotated[GetStats, Depends(provide(Container.get_stats))],
    start: Annotated[
        AwareDatetime | None, Query(alias="from", description="RFC 3339 with an offset. Default: now.")
    ] = None,
    end: Annotated[
        AwareDatetime | None,
        Query(alias="to", description="RFC 3339 with an offset. Default: a week after `from`."),
    ] = None,
) -> StatsOut:
    return StatsOut.of(await get_stats(start, end), request.app.state.settings.currency)
