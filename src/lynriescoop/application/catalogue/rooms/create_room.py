"""A manager adds a room with its seat layout."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from lynriescoop.application.ports.clock import Clock
from lynriescoop.application.ports.unit_of_work import UnitOfWorkFactory
from lynriescoop.domain.rooms import Features, Room, RowSpec


@dataclass(frozen=True, slots=True)
class CreateRoomCommand:
    name: str
    features: Features
    rows: Sequence[RowSpec]


class CreateRoom:
    """Rules:

    - the layout is valid (InvalidRoomLayout, 422): row labels are 1 to 3 capital letters and unique, seat numbers
      1..999 and unique within a row, a count N numbers seats 1..N, at least one seat and at most 1000;
    - a row's ``category`` is the default of its seats; ``wheelchair`` seats are accessible;
    - the name is unique, case-insensitively (RoomNameTaken, 409), even when two managers race: the database's
      unique index referees.
    """

    def __init__(self, uow_factory: UnitOfWorkFactory, clock: Clock) -> None:
        self._uow_factory = uow_factory
        self._clock = clock

    async def __call__(self, command: CreateRoomCommand) -> Room:
        room = Room.create(command.name, command.features, command.rows, self._clock.now())
        async with self._uow_factory() as uow:
            await uow.rooms.add(room)
            await uow.commit()
        return room
