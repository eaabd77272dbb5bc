"""Bookings in memory: the same rules as PostgreSQL, including one live claim per (showing, seat)."""

from __future__ import annotations

import copy
from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

from lynriescoop.adapters.memory.store import MemoryState
from lynriescoop.application.ports.bookings import (
    BookingContext,
    BookingFilter,
    BookingRepository,
    BookingView,
    LiveClaim,
    LockedBooking,
    ShowingBrief,
    StoredResponse,
    UserBrief,
)
from lynriescoop.application.ports.repositories import Page
from lynriescoop.domain.bookings import Booking, BookingStatus
from lynriescoop.domain.errors import SeatsUnavailable
from lynriescoop.domain.rooms import Seat
from lynriescoop.domain.seat_rules import RowSeat
from lynriescoop.domain.showings import Showing, ShowingStatus

IDEMPOTENCY_TTL = timedelta(hours=24)


class MemoryBookingRepository(BookingRepository):
    def __init__(self, state: MemoryState) -> None:
        self._state = state
        self.seen: list[Showing | Booking] = []

    def _saw(self, aggregate: Showing | Booking) -> None:
        if not any(known is aggregate for known in self.seen):
            self.seen.append(aggregate)

    @staticmethod
    def _stored(booking: Booking) -> Booking:
        """The copy kept in the store: without the events, which belong to this transaction's object."""
        kept = copy.deepcopy(booking)
        kept.events = []
        return kept

    async def lock_showing(self, showing_id: UUID, *, skip_locked: bool = False) -> Showing | None:
        stored = self._state.showings.get(showing_id)
        if stored is None:
            return None
        showing = copy.deepcopy(stored)
        self._saw(showing)
        return showing

    async def booking_context(
        self, showing: Showing, user_id: UUID, seat_ids: Sequence[UUID], now: datetime
    ) -> BookingContext:
        movie = self._state.movies.get(showing.movie_id)
        room = self._state.rooms.get(showing.room_id)
        user = self._state.users.get(user_id)
        return BookingContext(
            seats=await self._seats_of_room(showing.room_id, seat_ids),
            claims=await self._live_claims(showing.id, seat_ids),
            held_by_user=await self._live_seat_count(user_id, showing.id, now),
            has_lapsed_holds=bool(await self.lapsed_holds(showing.id, now)),
            showing=ShowingBrief(
                showing.id, showing.start_time, movie.title if movie else "", room.name if room else ""
            ),
            customer=UserBrief(user.id, user.email.value, user.name) if user is not None and user.is_active else None,
            availability=await self.seat_availability(showing.id, showing.room_id, now, seat_ids),
        )

    async def lock_showing_of_booking(self, booking_id: UUID, user_id: UUID | None) -> Showing | None:
        booking = self._state.bookings.get(booking_id)
        if booking is None or (user_id is not None and booking.user_id != user_id):
            return None
        return await self.lock_showing(booking.showing_id)

    async def lock_booking(self, showing: Showing, booking_id: UUID) -> LockedBooking | None:
        booking = self._state.bookings.get(booking_id)
        if booking is None:
            return None
        user = self._state.users.get(booking.user_id)
        return LockedBooking(
            booking=copy.deepcopy(booking),
            showing=self._view(booking, False).showing,
            customer=UserBrief(user.id, user.email.value, user.name) if user is not None and user.is_active else None,
            has_tickets=any(t.booking_id == booking_id for t in self._state.tickets.values()),
        )

    async def _seats_of_room(self, room_id: UUID, seat_ids: Sequence[UUID]) -> Mapping[UUID, Seat]:
        room = self._state.rooms.get(room_id)
        wanted = set(seat_ids)
        return {s.id: copy.deepcopy(s) for s in room.seats if s.id in wanted} if room else {}

    def _live(self, showing_id: UUID) -> list[tuple[Booking, UUID]]:
        return [
            (b, s.seat_id)
            for b in self._state.bookings.values()
            if b.showing_id == showing_id
            for s in b.seats
            if s.is_live
        ]

    async def _live_claims(self, showing_id: UUID, seat_ids: Sequence[UUID] | None = None) -> Sequence[LiveClaim]:
        wanted = set(seat_ids) if seat_ids is not None else None
        claims = [
            LiveClaim(seat_id=seat_id, booking_id=b.id, status=b.status, expires_at=b.expires_at)
            for b, seat_id in self._live(showing_id)
            if wanted is None or seat_id in wanted
        ]
        return sorted(claims, key=lambda c: c.seat_id)

    async def seat_availability(
        self, showing_id: UUID, room_id: UUID, now: datetime, seat_ids: Sequence[UUID] | None = None
    ) -> Sequence[RowSeat]:
        room = self._state.rooms.get(room_id)
        if room is None:
            return []
        claimed = {
            seat_id
            for b, seat_id in self._live(showing_id)
            if b.status is not BookingStatus.PENDING or (b.expires_at is not None and b.expires_at > now)
        }
        wanted = set(seat_ids) if seat_ids is not None else None
        rows = {s.row for s in room.seats if wanted is None or s.id in wanted}
        return [
            RowSeat(s.id, s.row, s.row_index, s.number, s.category, s.is_active and s.id not in claimed)
            for s in room.seats
            if s.row in rows
        ]

    async def _live_seat_count(self, user_id: UUID, showing_id: UUID, now: datetime) -> int:
        return sum(
            1
            for b, _ in self._live(showing_id)
            if b.user_id == user_id
            and (
                b.status is BookingStatus.CONFIRMED
                or (b.status is BookingStatus.PENDING and b.expires_at is not None and b.expires_at > now)
            )
        )

    async def add(self, booking: Booking) -> None:
        live = {seat_id for _, seat_id in self._live(booking.showing_id)}
        taken = sorted(s.seat_id for s in booking.seats if s.is_live and s.seat_id in live)
        if taken:
            raise SeatsUnavailable([str(t) for t in taken])
        while any(b.booking_number == booking.booking_number for b in self._state.bookings.values()):
            booking.booking_number = type(booking.booking_number).generate()
        self._state.bookings[booking.id] = self._stored(booking)
        self._saw(booking)

    async def get(self, booking_id: UUID) -> Booking | None:
        booking = self._state.bookings.get(booking_id)
        return copy.deepcopy(booking) if booking else None

    async def update(self, booking: Booking) -> None:
        self._state.bookings[booking.id] = self._stored(booking)
        self._saw(booking)

    async def lapsed_holds(self, showing_id: UUID, now: datetime) -> Sequence[Booking]:
        return [
            copy.deepcopy(b)
            for b in sorted(self._state.bookings.values(), key=lambda b: b.id)
            if b.showing_id == showing_id and b.hold_lapsed(now)
        ]

    async def live_bookings_of_showing(self, showing_id: UUID) -> Sequence[Booking]:
        return [
            copy.deepcopy(b)
            for b in sorted(self._state.bookings.values(), key=lambda b: b.id)
            if b.showing_id == showing_id and b.status.is_live
        ]

    def _view(self, booking: Booking, with_user: bool) -> BookingView:
        showing = self._state.showings[booking.showing_id]
        movie = self._state.movies[showing.movie_id]
        room = self._state.rooms[showing.room_id]
        user = self._state.users[booking.user_id] if with_user else None
        return BookingView(
            booking=copy.deepcopy(booking),
            showing=ShowingBrief(showing.id, showing.start_time, movie.title, room.name),
            user=UserBrief(user.id, user.email.value, user.name) if user else None,
        )

    async def view(self, booking_id: UUID) -> BookingView | None:
        booking = self._state.bookings.get(booking_id)
        return self._view(booking, False) if booking else None

    async def list_views(
        self, filters: BookingFilter, now: datetime, limit: int, offset: int, *, with_user: bool = False
    ) -> Page[BookingView]:
        def keep(b: Booking) -> bool:
            start = self._state.showings[b.showing_id].start_time
            return (
                (filters.user_id is None or b.user_id == filters.user_id)
                and (filters.showing_id is None or b.showing_id == filters.showing_id)
                and (filters.status is None or b.status is filters.status)
                and (filters.upcoming is None or (start > now) is filters.upcoming)
            )

        found = sorted(
            (b for b in self._state.bookings.values() if keep(b)),
            key=lambda b: (-b.created_at.timestamp(), str(b.id)),
        )
        return Page([self._view(b, with_user) for b in found[offset : offset + limit]], len(found), limit, offset)

    async def showings_with_lapsed_holds(self, now: datetime, limit: int) -> Sequence[UUID]:
        firsts: dict[UUID, datetime] = {}
        for b in self._state.bookings.values():
            if b.hold_lapsed(now) and b.expires_at is not None:
                firsts[b.showing_id] = min(firsts.get(b.showing_id, b.expires_at), b.expires_at)
        return [s for s, _ in sorted(firsts.items(), key=lambda item: item[1])][:limit]

    async def complete_ended(self, now: datetime) -> Sequence[Booking]:
        for showing in self._state.showings.values():
            if showing.status is ShowingStatus.SCHEDULED and showing.end_time <= now:
                showing.status = ShowingStatus.COMPLETED
        done = []
        for b in self._state.bookings.values():
            if b.status is BookingStatus.CONFIRMED and self._state.showings[b.showing_id].end_time <= now:
                b.complete()
                done.append(copy.deepcopy(b))
        return done

    async def get_response(self, user_id: UUID, key: str) -> StoredResponse | None:
        entry = self._state.idempotency.get((user_id, key))
        if entry is None or entry["body"] is None:
            return None
        return StoredResponse(entry["hash"], entry["body"], entry["created_at"])

    async def claim_key(self, user_id: UUID, key: str, request_hash: str, now: datetime) -> StoredResponse | None:
        entry = self._state.idempotency.get((user_id, key))
        if entry is not None and entry["created_at"] > now - IDEMPOTENCY_TTL:
            return await self.get_response(user_id, key)
        self._state.idempotency[(user_id, key)] = {
            "hash": request_hash,
            "body": None,
            "created_at": now,
        }
        return None

    async def store_response(self, user_id: UUID, key: str, body: Mapping[str, Any]) -> None:
        entry = self._state.idempotency[(user_id, key)]
        entry["body"] = copy.deepcopy(dict(body))

    async def purge_keys(self, now: datetime) -> int:
        stale = [k for k, v in self._state.idempotency.items() if v["created_at"] <= now - IDEMPOTENCY_TTL]
        for k in stale:
            del self._state.idempotency[k]
        return len(stale)
