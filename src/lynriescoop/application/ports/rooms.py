"""Rooms and their seats: the repository port."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol
from uuid import UUID

from lynriescoop.application.ports.repositories import Page
from lynriescoop.domain.rooms import Features, Room, Seat


@dataclass(frozen=True, slots=True)
class RoomSummary:
    """A room in a list: no seats, just how many of them are active."""

    id: UUID
    name: str
    features: Features
    capacity: int


class RoomRepository(Protocol):
    async def add(self, room: Room) -> None:
        """Insert the room and its seats; raises RoomNameTaken when the name exists (case-insensitively)."""
        ...

    async def get(self, room_id: UUID) -> Room | None:
        """The room with every seat, ordered by row then number."""
        ...

    async def get_for_update(self, room_id: UUID) -> Room | None:
        """Like :meth:`get`, and lock the room until the transaction ends: schedule and layout changes of one
        room serialise here, across processes."""
        ...

    async def get_by_name(self, name: str) -> Room | None:
        """The room with this name, compared case-insensitively."""
        ...

    async def list(self, limit: int, offset: int) -> Page[RoomSummary]:
        """Rooms ordered by lower-case name, then id, with their capacity."""
        ...

    async def update(self, room: Room) -> None:
        """Store name and features; raises RoomNameTaken on a clash."""
        ...

    async def update_seat(self, seat: Seat) -> None:
        """Store a seat's ``is_active`` and ``category``."""
        ...

    async def delete(self, room_id: UUID) -> None:
        """Delete the room and its seats."""
        ...

    async def has_showings(self, room_id: UUID) -> bool:
        """Whether any showing, in any status, is in the room."""
        ...
