"""Management of bookings (API.md §7): every booking with its user, and the sales figures."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import JSONResponse
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
) -> JSONResponse:
    filters = BookingFilter(user_id=user_id, showing_id=showing_id, status=status)
    page = await list_bookings(filters, limit, offset, with_user=True)
    return JSONResponse({"items": list(page.items), "total": page.total, "limit": limit, "offset": offset})


def _money(value: Decimal) -> str:
    return f"{value.quantize(Decimal('0.01'), rounding=ROUND_HALF_UP):.2f}"


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
    figures = await get_stats(start, end)
    return StatsOut(
        users=figures.users,
        movies=figures.movies,
        rooms=figures.rooms,
        upcoming_showings=figures.upcoming_showings,
        confirmed_bookings=figures.confirmed_bookings,
        tickets_sold=figures.tickets_sold,
        revenue=_money(figures.revenue),
        currency=request.app.state.settings.currency,
        occupancy=[
            {
                "showing_id": row.showing_id,
                "movie_title": row.movie_title,
                "start_time": row.start_time,
                "capacity": row.capacity,
                "sold": row.sold,
                "held": row.held,
                "checked_in": row.checked_in,
                "occupancy_pct": round(100 * row.sold / row.capacity, 1) if row.capacity else 0.0,
            }
            for row in figures.occupancy
        ],
        top_movies=[
            {"movie_id": m.movie_id, "title": m.title, "tickets_sold": m.tickets_sold, "revenue": _money(m.revenue)}
            for m in figures.top_movies
        ],
    )
