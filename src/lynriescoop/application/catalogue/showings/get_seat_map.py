"""Anyone reads the seat map of a showing: the hottest read of the service."""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID

from lynriescoop.application.ports.clock import Clock
from lynriescoop.application.ports.read_models import EncodedSeatMap
from lynriescoop.application.ports.unit_of_work import UnitOfWorkFactory
from lynriescoop.domain.errors import ShowingNotFound


@dataclass(frozen=True, slots=True)
class GetSeatMapQuery:
    showing_id: UUID


class GetSeatMap:
    """Rules:

    - an unknown id is ShowingNotFound (404);
    - every seat of the room, front row first: ``blocked`` when inactive, else ``booked`` under a confirmed
      booking, ``held`` under a pending booking whose hold still lasts (a lapsed hold shows ``available`` even
      before the sweep marks it), else ``available``; never who holds it;
    - each seat's price is the showing's price for its category; ``version`` is the showing's seat-map version;
    - one database query, which also renders the JSON document and says when the map next changes by time alone
      (a hold lapses), so a cache in front of it knows how long the document holds.
    """

    def __init__(self, uow_factory: UnitOfWorkFactory, clock: Clock) -> None:
        self._uow_factory = uow_factory
        self._clock = clock

    async def __call__(self, query: GetSeatMapQuery) -> EncodedSeatMap:
        async with self._uow_factory() as uow:
            seat_map = await uow.seat_maps.seat_map_document(query.showing_id, self._clock.now())
        if seat_map is None:
            raise ShowingNotFound()
        return seat_map
