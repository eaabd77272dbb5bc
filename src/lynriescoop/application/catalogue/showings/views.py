"""Reading a showing as clients see it, inside a use case's transaction."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from lynriescoop.application.ports.read_models import ShowingView
from lynriescoop.application.ports.unit_of_work import UnitOfWork
from lynriescoop.domain.errors import ShowingNotFound


async def showing_view(uow: UnitOfWork, showing_id: UUID, now: datetime) -> ShowingView:
    """The showing with its movie, room and seat counts (its own writes included); ShowingNotFound (404) else."""
    view = await uow.showing_views.view(showing_id, now)
    if view is None:
        raise ShowingNotFound()
    return view
