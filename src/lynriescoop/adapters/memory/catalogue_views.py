"""Read models of the catalogue in memory: the same answers as the PostgreSQL ones, computed in Python."""

from __future__ import annotations

import copy
import json
from collections.abc import Mapping, Sequence
from datetime import datetime
from uuid import UUID

from lynriescoop.adapters.memory.store import MemoryState
from lynriescoop.application.catalogue.showings.views import earliest, seat_map_document
from lynriescoop.application.ports.delivery import SeatSnapshot
from lynriescoop.application.ports.read_models import (
    EncodedSeatMap,
    MovieBrief,
    RoomBrief,
    SeatMap,
    SeatMapReader,
    SeatMapSeat,
    ShowingReader,
    ShowingView,
)
from lynriescoop.application.ports.repositories import Page
from lynriescoop.application.ports.showings import ShowingFilter
from lynriescoop.domain.bookings import Booking
from lynriescoop.domain.rooms import Seat
from lynriescoop.domain.seat_maps import BOOKED_STATUSES, SeatStatus, is_taken, seat_status
from lynriescoop.domain.showings import Showing


def _live_claims(state: MemoryState, showing_id: UUID) -> dict[UUID, Booking]:
    """seat id -> the booking holding its live claim for the showing."""
    return {
        claim.seat_id: booking
        for booking in state.bookings.values()
        if booking.showing_id == showing_id
        for claim in booking.seats
        if claim.is_live
    }


def _status(seat: Seat, claim: Booking | None, now: datetime) -> SeatStatus:
    return seat_status(
        is_active=seat.is_active,
        claim_status=claim.status.value if claim else None,
        claim_expires_at=claim.expires_at if claim else None,
        now=now,
    )


def _next_lapse(state: MemoryState, showing_id: UUID, now: datetime) -> datetime | None:
    """When the first live hold of the showing that still holds a seat lapses."""
    return earliest(
        (b.expires_at for b in _live_claims(state, showing_id).values() if b.status.value == "pending"), now
    )


class MemorySeatMapReader(SeatMapReader):
    def __init__(self, state: MemoryState) -> None:
        self._state = state

    async def _seat_map(self, showing_id: UUID, now: datetime) -> SeatMap | None:
        showing = self._state.showings.get(showing_id)
        if showing is None:
            return None
        room = self._state.rooms.get(showing.room_id)
        claims = _live_claims(self._state, showing_id)
        seats = sorted(room.seats, key=lambda s: (s.row_index, s.number)) if room else []
        return SeatMap(
            showing_id=showing_id,
            version=showing.seat_version,
            seats=[
                SeatMapSeat(
                    seat_id=s.id,
                    row=s.row,
                    number=s.number,
                    label=str(s.label),
                    category=s.category,
                    is_accessible=s.is_accessible,
                    status=_status(s, claims.get(s.id), now),
                    price=showing.price_for(s.category),
                )
                for s in seats
            ],
        )

    async def seat_map_document(self, showing_id: UUID, now: datetime) -> EncodedSeatMap | None:
        seat_map = await self._seat_map(showing_id, now)
        if seat_map is None:
            return None
        return EncodedSeatMap(
            showing_id=showing_id,
            version=seat_map.version,
            document=json.dumps(seat_map_document(seat_map)).encode(),
            changes_at=_next_lapse(self._state, showing_id, now),
        )

    async def seat_snapshots(self, showing_ids: Sequence[UUID], now: datetime) -> Mapping[UUID, SeatSnapshot]:
        found: dict[UUID, SeatSnapshot] = {}
        for showing_id in showing_ids:
            seat_map = await self._seat_map(showing_id, now)
            if seat_map is not None:
                seats = [
                    {"seat_id": str(s.seat_id), "label": s.label, "status": s.status.value} for s in seat_map.seats
                ]
                found[showing_id] = SeatSnapshot(
                    showing_id, seat_map.version, seat_map.available_seats, json.dumps(seats).encode()
                )
        return found

    async def seat_statuses(
        self, seat_id: UUID, showing_ids: Sequence[UUID], now: datetime
    ) -> Mapping[UUID, SeatStatus]:
        found: dict[UUID, SeatStatus] = {}
        for showing_id in showing_ids:
            showing = self._state.showings.get(showing_id)
            room = self._state.rooms.get(showing.room_id) if showing else None
            seat = room.seat(seat_id) if room else None
            if seat is not None:
                found[showing_id] = _status(seat, _live_claims(self._state, showing_id).get(seat_id), now)
        return found


class MemoryShowingReader(ShowingReader):
    def __init__(self, state: MemoryState) -> None:
        self._state = state

    def _view(self, showing: Showing, now: datetime) -> ShowingView | None:
        movie = self._state.movies.get(showing.movie_id)
        room = self._state.rooms.get(showing.room_id)
        if movie is None or room is None:
            return None
        claims = _live_claims(self._state, showing.id)
        taken = sum(1 for s in room.seats if is_taken(_status(s, claims.get(s.id), now)))
        return ShowingView(
            showing=copy.deepcopy(showing),
            status=showing.effective_status(now),
            movie=MovieBrief(movie.id, movie.title, movie.runtime, movie.poster_path),
            room=RoomBrief(room.id, room.name),
            capacity=room.capacity,
            available_seats=room.capacity - taken,
            bookings_count=sum(
                1
                for b in self._state.bookings.values()
                if b.showing_id == showing.id and b.status.value in BOOKED_STATUSES
            ),
            changes_at=earliest((_next_lapse(self._state, showing.id, now), showing.start_time, showing.end_time), now),
        )

    async def view(self, showing_id: UUID, now: datetime) -> ShowingView | None:
        showing = self._state.showings.get(showing_id)
        return self._view(showing, now) if showing else None

    async def list_views(self, filters: ShowingFilter, now: datetime, limit: int, offset: int) -> Page[ShowingView]:
        found = sorted(
            (s for s in self._state.showings.values() if filters.matches(s, now)),
            key=lambda s: (s.start_time, str(s.id)),
        )
        views = [v for v in (self._view(s, now) for s in found[offset : offset + limit]) if v is not None]
        return Page(views, len(found), limit, offset)
