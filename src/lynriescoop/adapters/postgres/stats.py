"""Management figures (GET /admin/stats) in a handful of aggregate queries."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import CTE, ColumnElement, ScalarSelect, Select, Table, and_, func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from lynriescoop.adapters.postgres.errors import database_errors
from lynriescoop.adapters.postgres.seat_status import claim_effect_sql
from lynriescoop.adapters.postgres.tables import (
    bookings,
    movies,
    rooms,
    seat_reservations,
    seats,
    showings,
    tickets,
    users,
)
from lynriescoop.application.ports.bookings import OccupancyRow, Stats, StatsReader, TopMovieRow
from lynriescoop.domain.seat_maps import BOOKED_STATUSES, SeatStatus

DEFAULT_WINDOW = timedelta(days=7)
OCCUPANCY_LIMIT = 100
TOP_MOVIES = 5


def _sales(now: datetime) -> CTE:
    """Per showing: sold = seats of confirmed or completed bookings, held = seats of unexpired pending holds, and the
    revenue of the sold seats, by the one seat rule (``claim_effect_sql``). Cancelled and expired bookings have
    released their claims and never count."""
    effect = claim_effect_sql(bookings.c.status, bookings.c.expires_at, now)
    booked = effect == SeatStatus.BOOKED.value
    return (
        select(
            bookings.c.showing_id,
            func.count().filter(booked).label("sold"),
            func.count().filter(effect == SeatStatus.HELD.value).label("held"),
            func.coalesce(func.sum(seat_reservations.c.price).filter(booked), 0).label("revenue"),
        )
        .select_from(seat_reservations.join(bookings, bookings.c.id == seat_reservations.c.booking_id))
        .where(seat_reservations.c.is_live)
        .group_by(bookings.c.showing_id)
        .cte("sales")
    )


def _in_window(start: datetime, end: datetime) -> ColumnElement[bool]:
    return and_(showings.c.start_time >= start, showings.c.start_time < end, showings.c.status != "cancelled")


def _totals(start: datetime, end: datetime, now: datetime) -> Select[Any]:
    sales = _sales(now)
    window = select(showings.c.id).where(_in_window(start, end)).cte("window_showings")

    def count_of(table: Table) -> ScalarSelect[int]:
        return select(func.count()).select_from(table).scalar_subquery()

    upcoming = (
        select(func.count())
        .select_from(showings)
        .where(
            showings.c.status == "scheduled",
            showings.c.start_time > now,
            showings.c.start_time >= start,
            showings.c.start_time < end,
        )
        .scalar_subquery()
    )
    confirmed = (
        select(func.count())
        .select_from(bookings.join(window, window.c.id == bookings.c.showing_id))
        .where(bookings.c.status.in_(sorted(BOOKED_STATUSES)))
        .scalar_subquery()
    )
    sold = (
        select(func.coalesce(func.sum(sales.c.sold), 0))
        .select_from(sales.join(window, window.c.id == sales.c.showing_id))
        .scalar_subquery()
    )
    revenue = (
        select(func.coalesce(func.sum(sales.c.revenue), 0))
        .select_from(sales.join(window, window.c.id == sales.c.showing_id))
        .scalar_subquery()
    )
    return select(
        count_of(users).label("users"),
        count_of(movies).label("movies"),
        count_of(rooms).label("rooms"),
        upcoming.label("upcoming_showings"),
        confirmed.label("confirmed_bookings"),
        sold.label("tickets_sold"),
        revenue.label("revenue"),
    )


def _occupancy(start: datetime, end: datetime, now: datetime) -> Select[Any]:
    sales = _sales(now)
    capacity = (
        select(seats.c.room_id, func.count().label("seats"))
        .where(seats.c.is_active)
        .group_by(seats.c.room_id)
        .cte("capacity")
    )
    checked_in = (
        select(func.count())
        .where(tickets.c.showing_id == showings.c.id, tickets.c.status == "checked_in")
        .correlate(showings)
        .scalar_subquery()
    )
    return (
        select(
            showings.c.id.label("showing_id"),
            movies.c.title.label("movie_title"),
            showings.c.start_time,
            func.coalesce(capacity.c.seats, 0).label("capacity"),
            func.coalesce(sales.c.sold, 0).label("sold"),
            func.coalesce(sales.c.held, 0).label("held"),
            checked_in.label("checked_in"),
        )
        .select_from(
            showings.join(movies, movies.c.id == showings.c.movie_id)
            .outerjoin(capacity, capacity.c.room_id == showings.c.room_id)
            .outerjoin(sales, sales.c.showing_id == showings.c.id)
        )
        .where(_in_window(start, end))
        .order_by(showings.c.start_time, showings.c.id)
        .limit(OCCUPANCY_LIMIT)
    )


def _top_movies(start: datetime, end: datetime, now: datetime) -> Select[Any]:
    sales = _sales(now)
    tickets_sold = func.sum(sales.c.sold).label("tickets_sold")
    revenue = func.sum(sales.c.revenue).label("revenue")
    return (
        select(movies.c.id.label("movie_id"), movies.c.title, tickets_sold, revenue)
        .select_from(
            sales.join(showings, showings.c.id == sales.c.showing_id).join(movies, movies.c.id == showings.c.movie_id)
        )
        .where(_in_window(start, end))
        .group_by(movies.c.id, movies.c.title)
        .having(func.sum(sales.c.sold) > 0)
        .order_by(tickets_sold.desc(), revenue.desc(), movies.c.title)
        .limit(TOP_MOVIES)
    )


class PostgresStatsReader(StatsReader):
    """Figures over showings starting in [start, end): by default the coming week."""

    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine

    async def stats(self, start: datetime | None, end: datetime | None, now: datetime) -> Stats:
        start = start or now
        end = end or start + DEFAULT_WINDOW
        async with database_errors(), self._engine.connect() as conn:
            totals = (await conn.execute(_totals(start, end, now))).one()
            occupancy = (await conn.execute(_occupancy(start, end, now))).all()
            top = (await conn.execute(_top_movies(start, end, now))).all()
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
