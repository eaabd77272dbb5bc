"""A manager renames a room or changes its projection features."""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID

from lynriescoop.application.ports.clock import Clock
from lynriescoop.application.ports.unit_of_work import UnitOfWorkFactory
from lynriescoop.domain.errors import RoomHasShowings, RoomNotFound
from lynriescoop.domain.rooms import Features, Room


@dataclass(frozen=True, slots=True)
class UpdateRoomCommand:
    room_id: UUID
    name: str | None = None
    has_3d: bool | None = None
    has_imax: bool | None = None
    has_dolby: bool | None = None


class UpdateRoom:
    """Rules:

    - an unknown id is RoomNotFound (404); ``None`` leaves a field as it is;
    - the new name is unique, case-insensitively (RoomNameTaken, 409);
    - a feature cannot be taken away while a scheduled showing that has not ended uses it (RoomHasShowings, 409):
      cancel or move those showings first. The room is locked, so no such showing is scheduled meanwhile.
    """

    def __init__(self, uow_factory: UnitOfWorkFactory, clock: Clock) -> None:
        self._uow_factory = uow_factory
        self._clock = clock

    async def __call__(self, command: UpdateRoomCommand) -> Room:
        now = self._clock.now()
        async with self._uow_factory() as uow:
            room = await uow.rooms.get_for_update(command.room_id)
            if room is None:
                raise RoomNotFound()
            old = room.features
            new = Features(
                has_3d=old.has_3d if command.has_3d is None else command.has_3d,
                has_imax=old.has_imax if command.has_imax is None else command.has_imax,
                has_dolby=old.has_dolby if command.has_dolby is None else command.has_dolby,
            )
            in_use = await uow.showings.formats_in_use(room.id, now)
            lost = new.missing_for(is_3d=in_use.has_3d, is_imax=in_use.has_imax, is_dolby=in_use.has_dolby)
            if lost:
                raise RoomHasShowings(f"Scheduled showings in this room use {', '.join(lost)}.")
            if command.name is not None:
                room.rename(command.name, now)
            room.change_features(new, now)
            await uow.rooms.update(room)
            await uow.commit()
        return room
