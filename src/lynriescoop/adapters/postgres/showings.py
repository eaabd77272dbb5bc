"""Showings in PostgreSQL."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any
from uuid import UUID

import orjson
from sqlalchemy import ColumnElement, Row, and_, exists, func, or_, select, true
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from lynriescoop.adapters.postgres.errors import translate_integrity_error
from lynriescoop.adapters.postgres.tables import bookings, seat_reservations, showings
from lynriescoop.application.ports.repositories import Page
from lynriescoop.application.ports.showings import SeatVersion, ShowingFilter, ShowingRepository
from lynriescoop.domain.errors import MovieNotFound, RoomNotFound
from lynriescoop.domain.formats import money
from lynriescoop.domain.rooms import Features, SeatCategory
from lynriescoop.domain.showings import Showing, ShowingStatus

_KNOWN = {"fk_showings_movie_id_movies": MovieNotFound, "fk_showings_room_id_rooms": RoomNotFound}


def showing_from_row(row: Row[Any] | Mapping[str, Any]) -> Showing:
    """A showing from a row of ``showings``: a SQLAlchemy row, or a driver record (``prices`` as JSON text)."""
    columns: Any = row._mapping if isinstance(row, Row) else row
    prices = columns["prices"]
    if isinstance(prices, str):
        prices = orjson.loads(prices)
    return Showing(
        id=columns["id"],
        movie_id=columns["movie_id"],
        room_id=columns["room_id"],
        start_time=columns["start_time"],
        end_time=columns["end_time"],
        price=columns["price"],
        prices={SeatCategory(k): Decimal(str(v)) for k, v in (prices or {}).items()},
        is_3d=columns["is_3d"],
        is_imax=columns["is_imax"],
        is_dolby=columns["is_dolby"],
        status=ShowingStatus(columns["status"]),
        seat_version=columns["seat_version"],
        cancelled_at=columns["cancelled_at"],
        created_at=columns["created_at"],
        updated_at=columns["updated_at"],
    )


def _values(showing: Showing) -> dict[str, Any]:
    """Everything but ``seat_version``, which only ever moves by an atomic increment."""
    return {
        "movie_id": showing.movie_id,
        "room_id": showing.room_id,
        "start_time": showing.start_time,
        "end_time": showing.end_time,
        "price": showing.price,
        # Amounts as strings: JSON numbers would go through float.
        "prices": {category.value: money(amount) for category, amount in showing.prices.items()},
        "is_3d": showing.is_3d,
        "is_imax": showing.is_imax,
        "is_dolby": showing.is_dolby,
        "status": showing.status.value,
        "cancelled_at": showing.cancelled_at,
        "updated_at": showing.updated_at,
    }


def showing_conditions(filters: ShowingFilter, now: datetime) -> ColumnElement[bool]:
    """:meth:`ShowingFilter.matches` in SQL."""
    c = showings.c
    conditions: list[ColumnElement[bool]] = []
    if filters.movie_id is not None:
        conditions.append(c.movie_id == filters.movie_id)
    if filters.room_id is not None:
        conditions.append(c.room_id == filters.room_id)
    if filters.starts_from is not None:
        conditions.append(c.start_time >= filters.starts_from)
    if filters.starts_before is not None:
        conditions.append(c.start_time < filters.starts_before)
    if filters.status is ShowingStatus.SCHEDULED:
        conditions.append(and_(c.status == "scheduled", c.end_time > now))
    elif filters.status is ShowingStatus.COMPLETED:
        conditions.append(or_(c.status == "completed", and_(c.status == "scheduled", c.end_time <= now)))
    elif filters.status is ShowingStatus.CANCELLED:
        conditions.append(c.status == "cancelled")
    if not filters.include_past and filters.status is not ShowingStatus.COMPLETED:
        conditions.append(c.start_time >= now)
    return and_(true(), *conditions)


class PostgresShowingRepository(ShowingRepository):
    def __init__(self, session: AsyncSession) -> None:
        self._session = session
        self.seen: list[Showing] = []

    async def add(self, showing: Showing) -> None:
        try:
            async with self._session.begin_nested():
                await self._session.execute(
                    showings.insert().values(
                        id=showing.id,
                        created_at=showing.created_at,
                        seat_version=showing.seat_version,
                        **_values(showing),
                    )
                )
        except IntegrityError as exc:
            # The movie was deleted after the caller read it: the foreign key referees.
            raise translate_integrity_error(exc, _KNOWN) or exc from None

    async def get(self, showing_id: UUID) -> Showing | None:
        row = (await self._session.execute(select(showings).where(showings.c.id == showing_id))).first()
        return showing_from_row(row) if row else None

    async def get_for_update(self, showing_id: UUID) -> Showing | None:
        # NO KEY UPDATE, like the booking engine's lock: it serialises with it without blocking inserts of rows
        # that merely reference the showing.
        stmt = select(showings).where(showings.c.id == showing_id).with_for_update(key_share=True)
        row = (await self._session.execute(stmt)).first()
        if row is None:
            return None
        showing = showing_from_row(row)
        self.seen.append(showing)
        return showing

    async def update(self, showing: Showing) -> None:
        await self._session.execute(showings.update().where(showings.c.id == showing.id).values(**_values(showing)))

    async def delete(self, showing_id: UUID) -> None:
        await self._session.execute(showings.delete().where(showings.c.id == showing_id))

    async def list(self, filters: ShowingFilter, now: datetime, limit: int, offset: int) -> Page[Showing]:
        where = showing_conditions(filters, now)
        total = (await self._session.execute(select(func.count()).select_from(showings).where(where))).scalar_one()
        stmt = select(showings).where(where).order_by(showings.c.start_time, showings.c.id).limit(limit).offset(offset)
        return Page([showing_from_row(r) for r in await self._session.execute(stmt)], total, limit, offset)

    async def in_room_overlapping(
        self, room_id: UUID, start: datetime, end: datetime, cleaning: timedelta, exclude_id: UUID | None = None
    ) -> Sequence[Showing]:
        stmt = select(showings).where(
            showings.c.room_id == room_id,
            showings.c.status != "cancelled",
            showings.c.start_time < end + cleaning,
            showings.c.end_time > start - cleaning,
            showings.c.id != exclude_id if exclude_id is not None else true(),
        )
        return [showing_from_row(r) for r in await self._session.execute(stmt.order_by(showings.c.start_time))]

    async def at(self, room_id: UUID, start_time: datetime) -> Showing | None:
        stmt = select(showings).where(showings.c.room_id == room_id, showings.c.start_time == start_time)
        row = (await self._session.execute(stmt.limit(1))).first()
        return showing_from_row(row) if row else None

    async def has_bookings(self, showing_id: UUID) -> bool:
        stmt = select(exists().where(bookings.c.showing_id == showing_id))
        return bool((await self._session.execute(stmt)).scalar_one())

    async def has_live_claims(self, showing_id: UUID) -> bool:
        stmt = select(exists().where(seat_reservations.c.showing_id == showing_id, seat_reservations.c.is_live))
        return bool((await self._session.execute(stmt)).scalar_one())

    async def formats_in_use(self, room_id: UUID, now: datetime) -> Features:
        c = showings.c
        stmt = select(
            func.coalesce(func.bool_or(c.is_3d), False),
            func.coalesce(func.bool_or(c.is_imax), False),
            func.coalesce(func.bool_or(c.is_dolby), False),
        ).where(c.room_id == room_id, c.status == "scheduled", c.end_time > now)
        has_3d, has_imax, has_dolby = (await self._session.execute(stmt)).one()
        return Features(has_3d=bool(has_3d), has_imax=bool(has_imax), has_dolby=bool(has_dolby))

    async def bump_seat_versions(self, room_id: UUID, starting_after: datetime) -> Sequence[SeatVersion]:
        stmt = (
            showings.update()
            .where(
                showings.c.room_id == room_id,
                showings.c.status == "scheduled",
                showings.c.start_time > starting_after,
            )
            .values(seat_version=showings.c.seat_version + 1)
            .returning(showings.c.id, showings.c.seat_version, showings.c.start_time)
        )
        rows = sorted(await self._session.execute(stmt), key=lambda r: (r.start_time, r.id))
        return [SeatVersion(r.id, r.seat_version) for r in rows]
