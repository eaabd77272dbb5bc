"""Management figures (GET /admin/stats) in a handful of aggregate queries."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from lynriescoop.application.ports.bookings import OccupancyRow, Stats, TopMovieRow

DEFAULT_WINDOW = timedelta(days=7)
OCCUPANCY_LIMIT = 100
TOP_MOVIES = 5

# Sold = seats of confirmed or completed bookings; held = seats of unexpired pending holds.
# Cancelled and expired bookings have released their claims and never count.
_SALES = """
    SELECT b.showing_id,
           count(*) FILTER (WHERE b.status IN ('confirmed', 'completed')) AS sold,
           count(*) FILTER (WHERE b.status = 'pending' AND b.expires_at > :now) AS held,
           coalesce(sum(r.price) FILTER (WHERE b.status IN ('confirmed', 'completed')), 0) AS revenue
    FROM seat_reservations r JOIN bookings b ON b.id = r.booking_id
    WHERE r.is_live
    GROUP BY b.showing_id
"""

_TOTALS = text(
    f"""
    WITH sales AS ({_SALES}),
         window_showings AS (
             SELECT id FROM showings WHERE start_time >= :start AND start_time < :end AND status <> 'cancelled'
         )
    SELECT (SELECT count(*) FROM users) AS users,
           (SELECT count(*) FROM movies) AS movies,
           (SELECT count(*) FROM rooms) AS rooms,
           (SELECT count(*) FROM showings
             WHERE status = 'scheduled' AND start_time > :now AND start_time >= :start AND start_time < :end)
             AS upcoming_showings,
           (SELECT count(*) FROM bookings b JOIN window_showings w ON w.id = b.showing_id
             WHERE b.status IN ('confirmed', 'completed')) AS confirmed_bookings,
           (SELECT coalesce(sum(s.sold), 0) FROM sales s JOIN window_showings w ON w.id = s.showing_id)
             AS tickets_sold,
           (SELECT coalesce(sum(s.revenue), 0) FROM sales s JOIN window_showings w ON w.id = s.showing_id)
             AS revenue
    """  # noqa: S608 - composed of module constants only
)

_OCCUPANCY = text(
    f"""
    WITH sales AS ({_SALES}),
         capacity AS (SELECT room_id, count(*) AS seats FROM seats WHERE is_active GROUP BY room_id)
    SELECT sh.id AS showing_id, m.title AS movie_title, sh.start_time,
           coalesce(c.seats, 0) AS capacity, coalesce(s.sold, 0) AS sold, coalesce(s.held, 0) AS held,
           (SELECT count(*) FROM tickets t WHERE t.showing_id = sh.id AND t.status = 'checked_in') AS checked_in
    FROM showings sh
    JOIN movies m ON m.id = sh.movie_id
    LEFT JOIN capacity c ON c.room_id = sh.room_id
    LEFT JOIN sales s ON s.showing_id = sh.id
    WHERE sh.start_time >= :start AND sh.start_time < :end AND sh.status <> 'cancelled'
    ORDER BY sh.start_time, sh.id
    LIMIT {OCCUPANCY_LIMIT}
    """  # noqa: S608 - composed of module constants only
)

_TOP_MOVIES = text(
    f"""
    WITH sales AS ({_SALES})
    SELECT m.id AS movie_id, m.title, sum(s.sold) AS tickets_sold, sum(s.revenue) AS revenue
    FROM sales s JOIN showings sh ON sh.id = s.showing_id JOIN movies m ON m.id = sh.movie_id
    WHERE sh.start_time >= :start AND sh.start_time < :end AND sh.status <> 'cancelled'
    GROUP BY m.id, m.title
    HAVING sum(s.sold) > 0
    ORDER BY tickets_sold DESC, revenue DESC, m.title
    LIMIT {TOP_MOVIES}
    """  # noqa: S608 - composed of module constants only
)


class PostgresStatsReader:
    """Figures over showings starting in [start, end): by default the coming week."""

    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine

    async def stats(self, start: datetime | None, end: datetime | None, now: datetime) -> Stats:
        start = start or now
        end = end or start + DEFAULT_WINDOW
        params = {"start": start, "end": end, "now": now}
        async with self._engine.connect() as conn:
            totals = (await conn.execute(_TOTALS, params)).one()
            occupancy = (await conn.execute(_OCCUPANCY, params)).all()
            top = (await conn.execute(_TOP_MOVIES, params)).all()
        return Stats(
            users=totals.users,
            movies=totals.movies,
            rooms=totals.rooms,
            upcoming_showings=totals.upcoming_showings,
            confirmed_bookings=totals.confirmed_bookings,
            tickets_sold=int(totals.tickets_sold),
            revenue=Decimal(totals.revenue),
            occupancy=[
                OccupancyRow(r.showing_id, r.movie_title, r.start_time, r.capacity, r.sold, r.held, r.checked_in)
                for r in occupancy
            ],
            top_movies=[TopMovieRow(r.movie_id, r.title, int(r.tickets_sold), Decimal(r.revenue)) for r in top],
        )
