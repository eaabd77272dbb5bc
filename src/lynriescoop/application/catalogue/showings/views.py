"""Reading a showing as clients see it, inside a use case's transaction."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any
from uuid import UUID

from lynriescoop.application.ports.read_models import SeatMap, ShowingView
from lynriescoop.application.ports.unit_of_work import UnitOfWork
from lynriescoop.domain.errors import ShowingNotFound
from lynriescoop.domain.formats import money


async def showing_view(uow: UnitOfWork, showing_id: UUID, now: datetime) -> ShowingView:
    """The showing with its movie, room and seat counts (its own writes included); ShowingNotFound (404) else."""
    view = await uow.showing_views.view(showing_id, now)
    if view is None:
        raise ShowingNotFound()
    return view


def seat_map_document(seat_map: SeatMap) -> dict[str, Any]:
    """The seat map as its JSON document (API.md §5), built directly: no model is validated per seat. The
    PostgreSQL reader renders the same document in SQL; a contract test holds the two to the same bytes' meaning."""
    return {
        "showing_id": str(seat_map.showing_id),
        "version": seat_map.version,
        "seats": [
            {
                "seat_id": str(s.seat_id),
                "row": s.row,
                "number": s.number,
                "label": s.label,
                "category": s.category.value,
                "is_accessible": s.is_accessible,
                "status": s.status.value,
                "price": money(s.price),
            }
            for s in seat_map.seats
        ],
    }


def earliest(moments: Iterable[datetime | None], after: datetime) -> datetime | None:
    """The earliest of ``moments`` later than ``after`` (None when there is none)."""
    future = [m for m in moments if m is not None and m > after]
    return min(future) if future else None
