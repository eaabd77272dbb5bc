"""Anyone reads a room with its full seat layout."""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID

from lynriescoop.application.ports.unit_of_work import UnitOfWorkFactory
from lynriescoop.domain.errors import RoomNotFound
from lynriescoop.domain.rooms import Room


@dataclass(frozen=True, slots=True)
class GetRoomQuery:
    room_id: UUID


class GetRoom:
    """Rules: an unknown id is RoomNotFound (404); seats come front row first, each row by seat number."""

    def __init__(self, uow_factory: UnitOfWorkFactory) -> None:
        self._uow_factory = uow_factory

    async def __call__(self, query: GetRoomQuery) -> Room:
        async with self._uow_factory() as uow:
            room = await uow.rooms.get(query.room_id)
        if room is None:
            raise RoomNotFound()
        return room
