"""Management figures computed over the in-memory state, with the same rules as the PostgreSQL reader."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime, timedelta
from decimal import Decimal
from uuid import UUID

from lynriescoop.adapters.memory.store import MemoryStore
from lynriescoop.application.ports.bookings import OccupancyRow, Stats, StatsReader, TopMovieRow
from lynriescoop.domain.seat_maps import BOOKED_STATUSES, SeatStatus, claim_effect
from lynriescoop.domain.showings import ShowingStatus
from lynriescoop.domain.tickets import TicketStatus

DEFAULT_WINDOW = timedelta(days=7)


class MemoryStatsReader(StatsReader):
    def __init__(self, store: MemoryStore) -> None:
        self._store = store

    async def stats(self, start: datetime | None, end: datetime | None, now: datetime) -> Stats:
        state = self._store.state
        start = start or now
        end = end or start + DEFAULT_WINDOW
        in_window = sorted(
            (
                s
                for s in state.showings.values()
                if start <= s.start_time < end and s.status is not ShowingStatus.CANCELLED
            ),
            key=lambda s: (s.start_time, str(s.id)),
        )
        window_ids = {s.id for s in in_window}
        sold: dict[UUID, int] = defaultdict(int)
        held: dict[UUID, int] = defaultdict(int)
        revenue: dict[UUID, Decimal] = defaultdict(Decimal)
        confirmed = 0
        for booking in state.bookings.values():
            if booking.showing_id not in window_ids:
                continue
            live = [seat for seat in booking.seats if seat.is_live]
            if booking.status.value in BOOKED_STATUSES:
                confirmed += 1
            effect = claim_effect(claim_status=booking.status.value, claim_expires_at=booking.expires_at, now=now)
            if effect is SeatStatus.BOOKED:
                sold[booking.showing_id] += len(live)
                revenue[booking.showing_id] += sum((seat.price for seat in live), Decimal("0"))
            elif effect is SeatStatus.HELD:
                held[booking.showing_id] += len(live)
        checked_in: dict[UUID, int] = defaultdict(int)
        for ticket in state.tickets.values():
            if ticket.status is TicketStatus.CHECKED_IN:
                checked_in[ticket.showing_id] += 1
        per_movie: dict[UUID, tuple[int, Decimal]] = {}
        for showing in in_window:
            tickets, money = per_movie.get(showing.movie_id, (0, Decimal("0")))
            per_movie[showing.movie_id] = (tickets + sold[showing.id], money + revenue[showing.id])
        top = sorted(
            (
                TopMovieRow(movie_id, state.movies[movie_id].title, tickets, money)
                for movie_id, (tickets, money) in per_movie.items()
                if tickets > 0
            ),
            key=lambda row: (-row.tickets_sold, -row.revenue, row.title),
        )[:5]
        return Stats(
            users=len(state.users),
            movies=len(state.movies),
            rooms=len(state.rooms),
            upcoming_showings=sum(1 for s in in_window if s.status is ShowingStatus.SCHEDULED and s.start_time > now),
            confirmed_bookings=confirmed,
            tickets_sold=sum(sold.values()),
            revenue=sum(revenue.values(), Decimal("0")),
            occupancy=[
                OccupancyRow(
                    s.id,
                    state.movies[s.movie_id].title,
                    s.start_time,
                    state.rooms[s.room_id].capacity,
                    sold[s.id],
                    held[s.id],
                    checked_in[s.id],
                )
                for s in in_window[:100]
            ],
            top_movies=top,
        )
