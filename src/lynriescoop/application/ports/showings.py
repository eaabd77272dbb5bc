"""Showings: the repository port and the list filter of API.md §5."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol
from uuid import UUID

from lynriescoop.application.ports.repositories import Page
from lynriescoop.domain.rooms import Features
from lynriescoop.domain.showings import Showing, ShowingStatus


@dataclass(frozen=True, slots=True)
class ShowingFilter:
    """Which showings a list holds.

    ``starts_from``/``starts_before``: start_time in [from, before). ``status``: the status as clients see it
    (a scheduled showing whose end has passed is ``completed``); None means any. ``include_past`` False keeps
    only showings that have not started yet (start_time >= now), except when asking for ``completed`` ones.
    """

    movie_id: UUID | None = None
    room_id: UUID | None = None
    starts_from: datetime | None = None
    starts_before: datetime | None = None
    status: ShowingStatus | None = ShowingStatus.SCHEDULED
    include_past: bool = False

    def matches(self, showing: Showing, now: datetime) -> bool:
        """The rule itself, for adapters that filter in Python (the SQL adapter writes the same in SQL)."""
        effective = showing.effective_status(now)
        return (
            (self.movie_id is None or showing.movie_id == self.movie_id)
            and (self.room_id is None or showing.room_id == self.room_id)
            and (self.starts_from is None or showing.start_time >= self.starts_from)
            and (self.starts_before is None or showing.start_time < self.starts_before)
            and (self.status is None or effective is self.status)
            and (self.include_past or self.status is ShowingStatus.COMPLETED or showing.start_time >= now)
        )


@dataclass(frozen=True, slots=True)
class SeatVersion:
    showing_id: UUID
    version: int


class ShowingRepository(Protocol):
    seen: list[Showing]
    """The showings this transaction locked (:meth:`get_for_update`), each once: the unit of work collects the
    events they recorded at commit, and writes the seat version a showing raised."""

    async def add(self, showing: Showing) -> None: ...

    async def get(self, showing_id: UUID) -> Showing | None: ...

    async def get_for_update(self, showing_id: UUID) -> Showing | None:
        """Like :meth:`get`, and lock the showing row until the transaction ends."""
        ...

    async def update(self, showing: Showing) -> None:
        """Store the schedule, prices, formats, room and status. ``seat_version`` is not written here: it only
        moves through :meth:`bump_seat_versions`, atomically in the database, or by the showing itself while it is
        locked (``Showing.record_seat_change``), written by the unit of work at commit."""
        ...

    async def delete(self, showing_id: UUID) -> None: ...

    async def list(self, filters: ShowingFilter, now: datetime, limit: int, offset: int) -> Page[Showing]:
        """Showings ordered by start_time, then id."""
        ...

    async def in_room_overlapping(
        self, room_id: UUID, start: datetime, end: datetime, cleaning: timedelta, exclude_id: UUID | None = None
    ) -> Sequence[Showing]:
        """Showings of the room, not cancelled, closer than ``cleaning`` to [start, end); ``exclude_id`` aside."""
        ...

    async def at(self, room_id: UUID, start_time: datetime) -> Showing | None:
        """The showing of the room starting exactly at ``start_time``, if any (the seed's idempotency key)."""
        ...

    async def has_bookings(self, showing_id: UUID) -> bool:
        """Whether any booking, in any status, ever existed for the showing."""
        ...

    async def has_live_claims(self, showing_id: UUID) -> bool:
        """Whether any seat of the showing is claimed by a live reservation (held or booked)."""
        ...

    async def formats_in_use(self, room_id: UUID, now: datetime) -> Features:
        """Which formats (3D, IMAX, Dolby) scheduled showings of the room that have not ended are announced in."""
        ...

    async def bump_seat_versions(self, room_id: UUID, starting_after: datetime) -> Sequence[SeatVersion]:
        """Add one to the seat-map version of every scheduled showing of the room that starts after
        ``starting_after``; return the new versions, by start_time then id."""
        ...
