"""Showings in memory."""

from __future__ import annotations

import copy
from collections.abc import Sequence
from datetime import datetime, timedelta
from uuid import UUID

from lynriescoop.adapters.memory.store import MemoryState
from lynriescoop.application.ports.repositories import Page
from lynriescoop.application.ports.showings import SeatVersion, ShowingFilter, ShowingRepository
from lynriescoop.domain.errors import MovieNotFound, RoomNotFound
from lynriescoop.domain.rooms import Features
from lynriescoop.domain.showings import Showing, ShowingStatus


def _order(showing: Showing) -> tuple[datetime, str]:
    return showing.start_time, str(showing.id)


class MemoryShowingRepository(ShowingRepository):
    def __init__(self, state: MemoryState) -> None:
        self._state = state
        self.seen: list[Showing] = []

    async def add(self, showing: Showing) -> None:
        # The foreign keys of the PostgreSQL schema.
        if showing.movie_id not in self._state.movies:
            raise MovieNotFound()
        if showing.room_id not in self._state.rooms:
            raise RoomNotFound()
        self._state.showings[showing.id] = copy.deepcopy(showing)

    async def get(self, showing_id: UUID) -> Showing | None:
        showing = self._state.showings.get(showing_id)
        return copy.deepcopy(showing) if showing else None

    async def get_for_update(self, showing_id: UUID) -> Showing | None:
        showing = await self.get(showing_id)
        if showing is not None:
            self.seen.append(showing)
        return showing

    async def update(self, showing: Showing) -> None:
        stored = self._state.showings.get(showing.id)
        if stored is None:
            return
        updated = copy.deepcopy(showing)
        updated.seat_version = stored.seat_version  # only bumps move it, as in PostgreSQL
        updated.events = []  # they belong to this transaction's object
        updated.created_at = stored.created_at
        self._state.showings[showing.id] = updated

    async def delete(self, showing_id: UUID) -> None:
        self._state.showings.pop(showing_id, None)

    async def list(self, filters: ShowingFilter, now: datetime, limit: int, offset: int) -> Page[Showing]:
        found = sorted((s for s in self._state.showings.values() if filters.matches(s, now)), key=_order)
        return Page([copy.deepcopy(s) for s in found[offset : offset + limit]], len(found), limit, offset)

    async def in_room_overlapping(
        self, room_id: UUID, start: datetime, end: datetime, cleaning: timedelta, exclude_id: UUID | None = None
    ) -> Sequence[Showing]:
        found = [
            s
            for s in self._state.showings.values()
            if s.room_id == room_id
            and s.status is not ShowingStatus.CANCELLED
            and s.id != exclude_id
            and s.start_time < end + cleaning
            and s.end_time > start - cleaning
        ]
        return [copy.deepcopy(s) for s in sorted(found, key=_order)]

    async def at(self, room_id: UUID, start_time: datetime) -> Showing | None:
        found = next(
            (s for s in self._state.showings.values() if s.room_id == room_id and s.start_time == start_time), None
        )
        return copy.deepcopy(found) if found else None

    async def has_bookings(self, showing_id: UUID) -> bool:
        return any(b.showing_id == showing_id for b in self._state.bookings.values())

    async def has_live_claims(self, showing_id: UUID) -> bool:
        return any(
            claim.is_live for b in self._state.bookings.values() if b.showing_id == showing_id for claim in b.seats
        )

    async def formats_in_use(self, room_id: UUID, now: datetime) -> Features:
        live = [
            s
            for s in self._state.showings.values()
            if s.room_id == room_id and s.status is ShowingStatus.SCHEDULED and s.end_time > now
        ]
        return Features(
            has_3d=any(s.is_3d for s in live),
            has_imax=any(s.is_imax for s in live),
            has_dolby=any(s.is_dolby for s in live),
        )

    async def bump_seat_versions(self, room_id: UUID, starting_after: datetime) -> Sequence[SeatVersion]:
        bumped = sorted(
            (
                s
                for s in self._state.showings.values()
                if s.room_id == room_id and s.status is ShowingStatus.SCHEDULED and s.start_time > starting_after
            ),
            key=_order,
        )
        for showing in bumped:
            showing.seat_version += 1
        return [SeatVersion(s.id, s.seat_version) for s in bumped]
