"""Read models of the catalogue in PostgreSQL: seat maps and showings as clients see them.

A seat map is ONE statement: the room's seats LEFT JOIN the showing's live claims and their bookings. A page of
showings is one statement (counts as correlated subqueries on indexed columns) plus one for the total.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any
from uuid import UUID

from sqlalchemy import DateTime, Row, Select, Text, and_, bindparam, cast, func, literal_column, select
from sqlalchemy.dialects.postgresql import aggregate_order_by
from sqlalchemy.ext.asyncio import AsyncSession

from lynriescoop.adapters.postgres.driver import driver_connection
from lynriescoop.adapters.postgres.seat_snapshots import seat_snapshots
from lynriescoop.adapters.postgres.seat_status import TAKEN, seat_status_sql
from lynriescoop.adapters.postgres.showings import showing_conditions, showing_from_row
from lynriescoop.adapters.postgres.tables import Money, bookings, movies, rooms, seat_reservations, seats, showings
from lynriescoop.application.catalogue.showings.views import earliest
from lynriescoop.application.ports.delivery import SeatSnapshot
from lynriescoop.application.ports.read_models import (
    EncodedSeatMap,
    MovieBrief,
    RoomBrief,
    SeatMapReader,
    ShowingReader,
    ShowingView,
)
from lynriescoop.application.ports.repositories import Page
from lynriescoop.application.ports.showings import ShowingFilter
from lynriescoop.domain.rooms import SeatCategory
from lynriescoop.domain.seat_maps import BOOKED_STATUSES, SeatStatus, seat_status

_BOOKED = sorted(BOOKED_STATUSES)


def _live_claims_join(*, outer: bool = False) -> Any:
    """seats LEFT JOIN the live claim of each seat for the showing in the FROM, LEFT JOIN its booking. ``outer``:
    a showing whose room has no seat still gives one row."""
    return (
        showings.join(seats, seats.c.room_id == showings.c.room_id, isouter=outer)
        .outerjoin(
            seat_reservations,
            and_(
                seat_reservations.c.showing_id == showings.c.id,
                seat_reservations.c.seat_id == seats.c.id,
                seat_reservations.c.is_live,
            ),
        )
        .outerjoin(bookings, bookings.c.id == seat_reservations.c.booking_id)
    )


# A seat's price, computed by PostgreSQL: decoding the showing's ``prices`` JSONB in Python on every one of the
# 250 rows of a seat map was a sixth of the seat map's CPU time (docs/benchmarks.md).
_SEAT_PRICE = func.coalesce(
    cast(showings.c.prices.op("->>", return_type=Text)(seats.c.category), Money), showings.c.price
)


def _key(name: str) -> Any:
    """A JSON key as an inline SQL literal (a constant of this module, never input)."""
    return literal_column(f"'{name}'", Text)


def _seat_map_document() -> Select[Any]:
    """The seat map's JSON document rendered by PostgreSQL in the one seat-map query: 250 seats cost well under a
    millisecond there, against about three in Python (rows, a dataclass per seat, json.dumps; docs/performance.md).
    The status is the rule's one SQL mirror (adapters/postgres/seat_status.py); tests/contract/test_catalogue_views.py
    holds the document to the Python read model. ``changes_at``: when the first live hold lapses."""
    now = bindparam("now", type_=DateTime(timezone=True))
    status = seat_status_sql(seats.c.is_active, bookings.c.status, bookings.c.expires_at, now)
    seat = func.json_build_object(
        _key("seat_id"), seats.c.id,
        _key("row"), seats.c.row_label,
        _key("number"), seats.c.number,
        _key("label"), seats.c.row_label.concat(cast(seats.c.number, Text)),
        _key("category"), seats.c.category,
        _key("is_accessible"), seats.c.category == SeatCategory.WHEELCHAIR.value,
        _key("status"), status,
        _key("price"), cast(_SEAT_PRICE, Text),
    )  # fmt: skip
    listed = func.coalesce(
        func.json_agg(aggregate_order_by(seat, seats.c.row_index, seats.c.number)).filter(seats.c.id.is_not(None)),
        literal_column("'[]'::json"),
    )
    document = func.json_build_object(
        _key("showing_id"), showings.c.id, _key("version"), showings.c.seat_version, _key("seats"), listed
    )
    held = status == SeatStatus.HELD.value
    return (
        select(
            cast(document, Text).label("document"),
            showings.c.seat_version.label("version"),
            func.min(bookings.c.expires_at).filter(held).label("changes_at"),
        )
        .select_from(_live_claims_join(outer=True))
        .where(showings.c.id == bindparam("showing_id"))
        .group_by(showings.c.id)
    )


_SEAT_MAP_DOCUMENT = _seat_map_document()


class PostgresSeatMapReader(SeatMapReader):
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def seat_map_document(self, showing_id: UUID, now: datetime) -> EncodedSeatMap | None:
        row = (await self._session.execute(_SEAT_MAP_DOCUMENT, {"now": now, "showing_id": showing_id})).first()
        if row is None:
            return None
        return EncodedSeatMap(showing_id, row.version, row.document.encode(), row.changes_at)

    async def seat_snapshots(self, showing_ids: Sequence[UUID], now: datetime) -> Mapping[UUID, SeatSnapshot]:
        if not showing_ids:
            return {}
        # On the driver, from the state of each showing and its room's template (adapters/postgres/seat_snapshots.py).
        return await seat_snapshots(await driver_connection(self._session), showing_ids, now)

    async def seat_statuses(
        self, seat_id: UUID, showing_ids: Sequence[UUID], now: datetime
    ) -> Mapping[UUID, SeatStatus]:
        if not showing_ids:
            return {}
        stmt = (
            select(
                showings.c.id,
                seats.c.is_active,
                bookings.c.status.label("claim_status"),
                bookings.c.expires_at.label("claim_expires_at"),
            )
            .select_from(_live_claims_join())
            .where(showings.c.id.in_(list(showing_ids)), seats.c.id == seat_id)
        )
        return {
            r.id: seat_status(
                is_active=r.is_active, claim_status=r.claim_status, claim_expires_at=r.claim_expires_at, now=now
            )
            for r in await self._session.execute(stmt)
        }


def _views_select(now: datetime) -> Select[Any]:
    capacity = (
        select(func.count())
        .where(seats.c.room_id == showings.c.room_id, seats.c.is_active)
        .correlate(showings)
        .scalar_subquery()
    )
    taken = (
        select(func.count())
        .select_from(
            seat_reservations.join(bookings, bookings.c.id == seat_reservations.c.booking_id).join(
                seats, seats.c.id == seat_reservations.c.seat_id
            )
        )
        .where(
            seat_reservations.c.showing_id == showings.c.id,
            seat_reservations.c.is_live,
            seats.c.room_id == showings.c.room_id,
            seat_status_sql(seats.c.is_active, bookings.c.status, bookings.c.expires_at, now).in_(TAKEN),
        )
        .correlate(showings)
        .scalar_subquery()
    )
    bookings_count = (
        select(func.count())
        .where(bookings.c.showing_id == showings.c.id, bookings.c.status.in_(_BOOKED))
        .correlate(showings)
        .scalar_subquery()
    )
    next_lapse = (
        select(func.min(bookings.c.expires_at))
        .where(bookings.c.showing_id == showings.c.id, bookings.c.status == "pending", bookings.c.expires_at > now)
        .correlate(showings)
        .scalar_subquery()
    )
    return select(
        showings,
        movies.c.title.label("movie_title"),
        movies.c.runtime.label("movie_runtime"),
        movies.c.poster_path.label("movie_poster_path"),
        rooms.c.name.label("room_name"),
        capacity.label("capacity"),
        taken.label("taken"),
        bookings_count.label("bookings_count"),
        next_lapse.label("next_lapse"),
    ).select_from(
        showings.join(movies, movies.c.id == showings.c.movie_id).join(rooms, rooms.c.id == showings.c.room_id)
    )


def _view(row: Row[Any], now: datetime) -> ShowingView:
    showing = showing_from_row(row)
    return ShowingView(
        showing=showing,
        status=showing.effective_status(now),
        movie=MovieBrief(row.movie_id, row.movie_title, row.movie_runtime, row.movie_poster_path),
        room=RoomBrief(row.room_id, row.room_name),
        capacity=row.capacity,
        available_seats=max(row.capacity - row.taken, 0),
        bookings_count=row.bookings_count,
        changes_at=earliest((row.next_lapse, showing.start_time, showing.end_time), now),
    )


class PostgresShowingReader(ShowingReader):
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def view(self, showing_id: UUID, now: datetime) -> ShowingView | None:
        row = (await self._session.execute(_views_select(now).where(showings.c.id == showing_id))).first()
        return _view(row, now) if row else None

    async def list_views(self, filters: ShowingFilter, now: datetime, limit: int, offset: int) -> Page[ShowingView]:
        where = showing_conditions(filters, now)
        total = (await self._session.execute(select(func.count()).select_from(showings).where(where))).scalar_one()
        stmt = (
            _views_select(now).where(where).order_by(showings.c.start_time, showings.c.id).limit(limit).offset(offset)
        )
        return Page([_view(r, now) for r in await self._session.execute(stmt)], total, limit, offset)
