"""Rooms and their seats in memory."""

from __future__ import annotations

import copy
from uuid import UUID

from lynriescoop.adapters.memory.store import MemoryState
from lynriescoop.application.ports.repositories import Page
from lynriescoop.application.ports.rooms import RoomRepository, RoomSummary
from lynriescoop.domain.errors import RoomNameTaken
from lynriescoop.domain.rooms import Room, Seat


def _copy(room: Room) -> Room:
    found = copy.deepcopy(room)
    found.seats.sort(key=lambda s: (s.row_index, s.number))
    return found


class MemoryRoomRepository(RoomRepository):
    def __init__(self, state: MemoryState) -> None:
        self._state = state

    def _name_taken(self, name: str, room_id: UUID) -> bool:
        return any(r.name.lower() == name.lower() and r.id != room_id for r in self._state.rooms.values())

    async def add(self, room: Room) -> None:
        if self._name_taken(room.name, room.id):
            raise RoomNameTaken()
        self._state.rooms[room.id] = copy.deepcopy(room)

    async def get(self, room_id: UUID) -> Room | None:
        room = self._state.rooms.get(room_id)
        return _copy(room) if room else None

    async def get_for_update(self, room_id: UUID) -> Room | None:
        return await self.get(room_id)  # the memory store already runs one transaction at a time

    async def get_by_name(self, name: str) -> Room | None:
        wanted = name.strip().lower()
        room = next((r for r in self._state.rooms.values() if r.name.lower() == wanted), None)
        return _copy(room) if room else None

    async def list(self, limit: int, offset: int) -> Page[RoomSummary]:
        found = sorted(self._state.rooms.values(), key=lambda r: (r.name.lower(), str(r.id)))
        items = [RoomSummary(r.id, r.name, r.features, r.capacity) for r in found[offset : offset + limit]]
        return Page(items, len(found), limit, offset)

    async def update(self, room: Room) -> None:
        if self._name_taken(room.name, room.id):
            raise RoomNameTaken()
        stored = self._state.rooms.get(room.id)
        if stored is not None:
            stored.name, stored.features, stored.updated_at = room.name, room.features, room.updated_at

    async def update_seat(self, seat: Seat) -> None:
        stored = self._state.rooms.get(seat.room_id)
        target = stored.seat(seat.id) if stored else None
        if target is not None:
            target.is_active, target.category = seat.is_active, seat.category

    async def delete(self, room_id: UUID) -> None:
        self._state.rooms.pop(room_id, None)

    async def has_showings(self, room_id: UUID) -> bool:
        return any(s.room_id == room_id for s in self._state.showings.values())
