"""Anyone lists the rooms."""

from __future__ import annotations

from dataclasses import dataclass

from lynriescoop.application.ports.repositories import Page
from lynriescoop.application.ports.rooms import RoomSummary
from lynriescoop.application.ports.unit_of_work import UnitOfWorkFactory


@dataclass(frozen=True, slots=True)
class ListRoomsQuery:
    limit: int = 20
    offset: int = 0


class ListRooms:
    """Rules: rooms by name (case-insensitive), then id; ``capacity`` counts active seats; one query per page."""

    def __init__(self, uow_factory: UnitOfWorkFactory) -> None:
        self._uow_factory = uow_factory

    async def __call__(self, query: ListRoomsQuery) -> Page[RoomSummary]:
        async with self._uow_factory() as uow:
            return await uow.rooms.list(query.limit, query.offset)
