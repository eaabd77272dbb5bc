"""Anyone reads one showing."""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID

from lynriescoop.application.catalogue.showings.views import showing_view
from lynriescoop.application.ports.clock import Clock
from lynriescoop.application.ports.read_models import ShowingView
from lynriescoop.application.ports.unit_of_work import UnitOfWorkFactory


@dataclass(frozen=True, slots=True)
class GetShowingQuery:
    showing_id: UUID


class GetShowing:
    """Rules: an unknown id is ShowingNotFound (404); a scheduled showing whose end has passed reads
    ``completed``; capacity, available seats and bookings count come with it (one query)."""

    def __init__(self, uow_factory: UnitOfWorkFactory, clock: Clock) -> None:
        self._uow_factory = uow_factory
        self._clock = clock

    async def __call__(self, query: GetShowingQuery) -> ShowingView:
        async with self._uow_factory() as uow:
            return await showing_view(uow, query.showing_id, self._clock.now())
