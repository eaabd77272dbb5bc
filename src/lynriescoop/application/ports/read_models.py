"""Read models of the catalogue: the seat map of a showing and showings as clients see them.

Both are built for the hottest reads of the service: a seat map is one query (two only when the showing has no
seat at all), a page of showings is one query plus its count, never a query per seat or per showing.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Protocol
from uuid import UUID

from lynriescoop.application.ports.delivery import SeatSnapshot
from lynriescoop.application.ports.repositories import Page
from lynriescoop.application.ports.showings import ShowingFilter
from lynriescoop.domain.rooms import SeatCategory
from lynriescoop.domain.seat_maps import SeatStatus
from lynriescoop.domain.showings import Showing, ShowingStatus


@dataclass(frozen=True, slots=True)
class SeatMapSeat:
    seat_id: UUID
    row: str
    number: int
    label: str
    category: SeatCategory
    is_accessible: bool
    status: SeatStatus
    price: Decimal


@dataclass(frozen=True, slots=True)
class SeatMap:
    """Every seat of the showing's room, front row first, with its status and price, and the map's version."""

    showing_id: UUID
    version: int
    seats: Sequence[SeatMapSeat]

    @property
    def available_seats(self) -> int:
        return sum(1 for seat in self.seats if seat.status is SeatStatus.AVAILABLE)


@dataclass(frozen=True, slots=True)
class EncodedSeatMap:
    """The seat map as the JSON document clients read (API.md §5: ``{showing_id, version, seats: [...]}``).

    The hottest read of the service, so the reader builds the bytes where that is cheapest (PostgreSQL renders
    them in the seat-map query) instead of a Python object per seat. ``changes_at`` is the next moment the map
    changes with no write at all (a live hold lapses), or None.
    """

    showing_id: UUID
    version: int
    document: bytes
    changes_at: datetime | None


class SeatMapReader(Protocol):
    async def seat_map_document(self, showing_id: UUID, now: datetime) -> EncodedSeatMap | None:
        """The seat map, encoded as its JSON document; None when the showing does not exist. ``now`` decides
        which holds still hold."""
        ...

    async def seat_snapshots(self, showing_ids: Sequence[UUID], now: datetime) -> Mapping[UUID, SeatSnapshot]:
        """The ``seats/snapshot`` view of each of ``showing_ids`` that exists, in one query."""
        ...

    async def seat_statuses(
        self, seat_id: UUID, showing_ids: Sequence[UUID], now: datetime
    ) -> Mapping[UUID, SeatStatus]:
        """The status of one seat in each of ``showing_ids`` (showing id -> status), in one query."""
        ...


@dataclass(frozen=True, slots=True)
class MovieBrief:
    id: UUID
    title: str
    runtime: int
    poster_path: str | None


@dataclass(frozen=True, slots=True)
class RoomBrief:
    id: UUID
    name: str


@dataclass(frozen=True, slots=True)
class ShowingView:
    """A showing with its movie and room, and its seats counted (API.md §5).

    ``capacity``: active seats of the room. ``available_seats``: active seats without a live claim of a confirmed
    booking or of a pending booking whose hold lasts. ``bookings_count``: confirmed (or completed) bookings.
    ``changes_at``: the next moment the view changes with no write at all (a live hold lapses, the showing
    starts or ends), or None.
    """

    showing: Showing
    status: ShowingStatus
    movie: MovieBrief
    room: RoomBrief
    capacity: int
    available_seats: int
    bookings_count: int
    changes_at: datetime | None = None


class ShowingReader(Protocol):
    async def view(self, showing_id: UUID, now: datetime) -> ShowingView | None: ...

    async def list_views(self, filters: ShowingFilter, now: datetime, limit: int, offset: int) -> Page[ShowingView]:
        """Showings by start_time, then id: one query for the page and one for the total."""
        ...
