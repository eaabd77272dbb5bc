"""A manager deletes a room."""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID

from lynriescoop.application.ports.unit_of_work import UnitOfWorkFactory
from lynriescoop.domain.errors import RoomHasShowings, RoomNotFound


@dataclass(frozen=True, slots=True)
class DeleteRoomCommand:
    room_id: UUID


class DeleteRoom:
    """Rules:

    - an unknown id is RoomNotFound (404);
    - a room that any showing references, cancelled or past ones included, stays (RoomHasShowings, 409);
    - the room is locked first, so a showing scheduled at the same moment either lands before (409 here) or
      finds the room gone (404 there); its seats go with it.
    """

    def __init__(self, uow_factory: UnitOfWorkFactory) -> None:
        self._uow_factory = uow_factory

    async def __call__(self, command: DeleteRoomCommand) -> None:
        async with self._uow_factory() as uow:
            if await uow.rooms.get_for_update(command.room_id) is None:
                raise RoomNotFound()
            if await uow.rooms.has_showings(command.room_id):
                raise RoomHasShowings()
            await uow.rooms.delete(command.room_id)
            await uow.commit()
