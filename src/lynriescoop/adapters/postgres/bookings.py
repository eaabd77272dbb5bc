"""Bookings and their seat claims in PostgreSQL. The partial unique index over live claims is the referee."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

from sqlalchemy import Row, and_, exists, func, literal_column, select, text, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from lynriescoop.adapters.postgres.errors import constraint_name
from lynriescoop.adapters.postgres.showings import showing_from_row
from lynriescoop.adapters.postgres.tables import (
    bookings,
    idempotency_keys,
    movies,
    rooms,
    seat_reservations,
    seats,
    showings,
    users,
)
from lynriescoop.application.ports.bookings import (
    BookingFilter,
    BookingView,
    LiveClaim,
    ShowingBrief,
    StoredResponse,
    UserBrief,
)
from lynriescoop.application.ports.repositories import Page
from lynriescoop.domain.bookings import Booking, BookingStatus, CancelledBy, SeatReservation
from lynriescoop.domain.errors import SeatsUnavailable
from lynriescoop.domain.rooms import Seat, SeatCategory
from lynriescoop.domain.seat_rules import RowSeat
from lynriescoop.domain.showings import Showing
from lynriescoop.domain.values import BookingNumber, SeatLabel

IDEMPOTENCY_TTL = timedelta(hours=24)
_NUMBER_ATTEMPTS = 5


def _booking_from_row(row: Row[Any], claims: Sequence[Row[Any]]) -> Booking:
    return Booking(
        id=row.id,
        booking_number=BookingNumber(row.booking_number),
        user_id=row.user_id,
        showing_id=row.showing_id,
        currency=row.currency,
        created_at=row.created_at,
        status=BookingStatus(row.status),
        expires_at=row.expires_at,
        confirmed_at=row.confirmed_at,
        cancelled_at=row.cancelled_at,
        cancelled_by=CancelledBy(row.cancelled_by) if row.cancelled_by else None,
        seats=[
            SeatReservation(
                id=c.id,
                booking_id=c.booking_id,
                showing_id=c.showing_id,
                seat_id=c.seat_id,
                label=c.label,
                category=SeatCategory(c.category),
                price=c.price,
                is_live=c.is_live,
            )
            for c in claims
        ],
    )


class PostgresBookingRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def lock_showing(self, showing_id: UUID, *, skip_locked: bool = False) -> Showing | None:
        # NO KEY UPDATE: serialises seat changes of the showing without blocking inserts that reference it.
        stmt = (
            select(showings).where(showings.c.id == showing_id).with_for_update(key_share=True, skip_locked=skip_locked)
        )
        row = (await self._session.execute(stmt)).first()
        return showing_from_row(row) if row else None

    async def seats_of_room(self, room_id: UUID, seat_ids: Sequence[UUID]) -> Mapping[UUID, Seat]:
        stmt = select(seats).where(seats.c.room_id == room_id, seats.c.id.in_(list(seat_ids)))
        return {
            r.id: Seat(
                id=r.id,
                room_id=r.room_id,
                row=r.row_label,
                number=r.number,
                row_index=r.row_index,
                category=SeatCategory(r.category),
                is_active=r.is_active,
            )
            for r in await self._session.execute(stmt)
        }

    async def live_claims(self, showing_id: UUID, seat_ids: Sequence[UUID] | None = None) -> Sequence[LiveClaim]:
        stmt = (
            select(seat_reservations.c.seat_id, bookings.c.id, bookings.c.status, bookings.c.expires_at)
            .join(bookings, bookings.c.id == seat_reservations.c.booking_id)
            .where(seat_reservations.c.showing_id == showing_id, seat_reservations.c.is_live)
        )
        if seat_ids is not None:
            stmt = stmt.where(seat_reservations.c.seat_id.in_(list(seat_ids)))
        return [
            LiveClaim(seat_id=r.seat_id, booking_id=r.id, status=BookingStatus(r.status), expires_at=r.expires_at)
            for r in await self._session.execute(stmt.order_by(seat_reservations.c.seat_id))
        ]

    async def seat_availability(
        self, showing_id: UUID, room_id: UUID, now: datetime, seat_ids: Sequence[UUID] | None = None
    ) -> Sequence[RowSeat]:
        claimed = (
            exists()
            .where(
                seat_reservations.c.showing_id == showing_id,
                seat_reservations.c.seat_id == seats.c.id,
                seat_reservations.c.is_live,
                bookings.c.id == seat_reservations.c.booking_id,
                (bookings.c.status != "pending") | (bookings.c.expires_at > now),
            )
            .label("claimed")
        )
        columns = (
            seats.c.id,
            seats.c.row_label,
            seats.c.row_index,
            seats.c.number,
            seats.c.category,
            seats.c.is_active,
        )
        stmt = select(*columns, claimed).where(seats.c.room_id == room_id)
        if seat_ids is not None:
            touched = select(seats.c.row_label).where(seats.c.room_id == room_id, seats.c.id.in_(list(seat_ids)))
            stmt = stmt.where(seats.c.row_label.in_(touched.scalar_subquery()))
        return [
            RowSeat(
                seat_id=r.id,
                row=r.row_label,
                row_index=r.row_index,
                number=r.number,
                category=SeatCategory(r.category),
                available=r.is_active and not r.claimed,
            )
            for r in await self._session.execute(stmt)
        ]

    async def live_seat_count(self, user_id: UUID, showing_id: UUID, now: datetime) -> int:
        stmt = (
            select(func.count())
            .select_from(seat_reservations.join(bookings, bookings.c.id == seat_reservations.c.booking_id))
            .where(
                bookings.c.user_id == user_id,
                bookings.c.showing_id == showing_id,
                seat_reservations.c.is_live,
                (bookings.c.status == "confirmed") | ((bookings.c.status == "pending") & (bookings.c.expires_at > now)),
            )
        )
        return (await self._session.execute(stmt)).scalar_one()

    async def add(self, booking: Booking) -> None:
        for attempt in range(_NUMBER_ATTEMPTS):
            try:
                async with self._session.begin_nested():
                    await self._insert(booking)
                return
            except IntegrityError as exc:
                name = constraint_name(exc)
                if name == "uq_bookings_booking_number" and attempt < _NUMBER_ATTEMPTS - 1:
                    booking.booking_number = BookingNumber.generate()
                    continue
                if name == "uq_seat_reservations_live_seat":
                    taken = await self.live_claims(booking.showing_id, booking.seat_ids)
                    raise SeatsUnavailable([str(c.seat_id) for c in taken]) from None
                raise

    async def _insert(self, booking: Booking) -> None:
        await self._session.execute(
            bookings.insert().values(
                id=booking.id,
                booking_number=booking.booking_number.value,
                user_id=booking.user_id,
                showing_id=booking.showing_id,
                status=booking.status.value,
                total_price=booking.total_price,
                currency=booking.currency,
                expires_at=booking.expires_at,
                confirmed_at=booking.confirmed_at,
                created_at=booking.created_at,
                updated_at=booking.created_at,
            )
        )
        # Claims in seat order: concurrent requests for overlapping seats meet in the same order.
        await self._session.execute(
            seat_reservations.insert(),
            [
                {
                    "id": s.id,
                    "booking_id": booking.id,
                    "showing_id": s.showing_id,
                    "seat_id": s.seat_id,
                    "label": s.label,
                    "category": s.category.value,
                    "price": s.price,
                    "is_live": s.is_live,
                }
                for s in sorted(booking.seats, key=lambda s: s.seat_id)
            ],
        )

    async def _load(self, rows: Sequence[Row[Any]]) -> list[Booking]:
        if not rows:
            return []
        ids = [r.id for r in rows]
        claims: dict[UUID, list[Row[Any]]] = {i: [] for i in ids}
        stmt = select(seat_reservations).where(seat_reservations.c.booking_id.in_(ids))
        for c in await self._session.execute(stmt):
            claims[c.booking_id].append(c)
        for of_booking in claims.values():
            of_booking.sort(key=lambda c: SeatLabel.sort_key(c.label))
        return [_booking_from_row(r, claims[r.id]) for r in rows]

    async def get(self, booking_id: UUID, *, for_update: bool = False) -> Booking | None:
        stmt = select(bookings).where(bookings.c.id == booking_id)
        if for_update:
            stmt = stmt.with_for_update()
        found = await self._load((await self._session.execute(stmt)).all())
        return found[0] if found else None

    async def update(self, booking: Booking) -> None:
        await self._session.execute(
            update(bookings)
            .where(bookings.c.id == booking.id)
            .values(
                status=booking.status.value,
                expires_at=booking.expires_at,
                confirmed_at=booking.confirmed_at,
                cancelled_at=booking.cancelled_at,
                cancelled_by=booking.cancelled_by.value if booking.cancelled_by else None,
                updated_at=func.now(),
            )
        )
        released = [s.id for s in booking.seats if not s.is_live]
        if released:
            await self._session.execute(
                update(seat_reservations)
                .where(seat_reservations.c.id.in_(released), seat_reservations.c.is_live)
                .values(is_live=False)
            )

    async def lapsed_holds(self, showing_id: UUID, now: datetime) -> Sequence[Booking]:
        stmt = (
            select(bookings)
            .where(bookings.c.showing_id == showing_id, bookings.c.status == "pending", bookings.c.expires_at <= now)
            .order_by(bookings.c.id)
            .with_for_update()
        )
        return await self._load((await self._session.execute(stmt)).all())

    async def live_bookings_of_showing(self, showing_id: UUID) -> Sequence[Booking]:
        stmt = (
            select(bookings)
            .where(bookings.c.showing_id == showing_id, bookings.c.status.in_(["pending", "confirmed"]))
            .order_by(bookings.c.id)
            .with_for_update()
        )
        return await self._load((await self._session.execute(stmt)).all())

    async def bump_seat_version(self, showing_id: UUID) -> int:
        stmt = (
            update(showings)
            .where(showings.c.id == showing_id)
            .values(seat_version=showings.c.seat_version + 1)
            .returning(showings.c.seat_version)
        )
        return int((await self._session.execute(stmt)).scalar_one())

    def _view_query(self, with_user: bool) -> Any:
        columns: list[Any] = [
            bookings,
            showings.c.start_time.label("s_start_time"),
            movies.c.title.label("s_movie_title"),
            rooms.c.name.label("s_room_name"),
        ]
        joined = (
            bookings.join(showings, showings.c.id == bookings.c.showing_id)
            .join(movies, movies.c.id == showings.c.movie_id)
            .join(rooms, rooms.c.id == showings.c.room_id)
        )
        if with_user:
            columns += [users.c.email.label("u_email"), users.c.name.label("u_name")]
            joined = joined.join(users, users.c.id == bookings.c.user_id)
        return select(*columns).select_from(joined)

    async def _views(self, rows: Sequence[Row[Any]], with_user: bool) -> list[BookingView]:
        loaded = await self._load(rows)
        return [
            BookingView(
                booking=b,
                showing=ShowingBrief(b.showing_id, r.s_start_time, r.s_movie_title, r.s_room_name),
                user=UserBrief(b.user_id, r.u_email, r.u_name) if with_user else None,
            )
            for b, r in zip(loaded, rows, strict=True)
        ]

    async def view(self, booking_id: UUID) -> BookingView | None:
        rows = (await self._session.execute(self._view_query(False).where(bookings.c.id == booking_id))).all()
        views = await self._views(rows, False)
        return views[0] if views else None

    async def list_views(
        self, filters: BookingFilter, now: datetime, limit: int, offset: int, *, with_user: bool = False
    ) -> Page[BookingView]:
        conditions = []
        if filters.user_id is not None:
            conditions.append(bookings.c.user_id == filters.user_id)
        if filters.showing_id is not None:
            conditions.append(bookings.c.showing_id == filters.showing_id)
        if filters.status is not None:
            conditions.append(bookings.c.status == filters.status.value)
        if filters.upcoming is True:
            conditions.append(showings.c.start_time > now)
        elif filters.upcoming is False:
            conditions.append(showings.c.start_time <= now)
        where = and_(True, *conditions)
        count = (
            select(func.count())
            .select_from(bookings.join(showings, showings.c.id == bookings.c.showing_id))
            .where(where)
        )
        total = (await self._session.execute(count)).scalar_one()
        stmt = (
            self._view_query(with_user)
            .where(where)
            .order_by(bookings.c.created_at.desc(), bookings.c.id)
            .limit(limit)
            .offset(offset)
        )
        rows = (await self._session.execute(stmt)).all()
        return Page(await self._views(rows, with_user), total, limit, offset)

    async def showings_with_lapsed_holds(self, now: datetime, limit: int) -> Sequence[UUID]:
        stmt = (
            select(bookings.c.showing_id)
            .where(bookings.c.status == "pending", bookings.c.expires_at <= now)
            .group_by(bookings.c.showing_id)
            .order_by(func.min(bookings.c.expires_at))
            .limit(limit)
        )
        return list((await self._session.execute(stmt)).scalars())

    async def complete_ended(self, now: datetime) -> Sequence[Booking]:
        await self._session.execute(
            update(showings)
            .where(showings.c.status == "scheduled", showings.c.end_time <= now)
            .values(status="completed", updated_at=func.now())
        )
        ended = (
            select(bookings.c.id)
            .join(showings, showings.c.id == bookings.c.showing_id)
            .where(bookings.c.status == "confirmed", showings.c.end_time <= now)
            .with_for_update(of=bookings, skip_locked=True)
            .limit(500)
        )
        ids = list((await self._session.execute(ended)).scalars())
        if not ids:
            return []
        rows = (
            await self._session.execute(
                update(bookings)
                .where(bookings.c.id.in_(ids))
                .values(status="completed", updated_at=func.now())
                .returning(*bookings.c)
            )
        ).all()
        return await self._load(rows)

    async def get_response(self, user_id: UUID, key: str) -> StoredResponse | None:
        stmt = select(idempotency_keys).where(idempotency_keys.c.user_id == user_id, idempotency_keys.c.key == key)
        row = (await self._session.execute(stmt)).first()
        if row is None or row.response_status is None:
            return None
        return StoredResponse(row.request_hash, row.response_status, row.response_body, row.created_at)

    async def claim_key(self, user_id: UUID, key: str, request_hash: str, now: datetime) -> StoredResponse | None:
        # A concurrent first use holds the unique key until it commits: this INSERT waits for it, then
        # either conflicts (the first succeeded: replay it) or inserts (the first rolled back: we are first).
        stmt: Any = (
            insert(idempotency_keys)
            .values(user_id=user_id, key=key, request_hash=request_hash, created_at=now)
            .on_conflict_do_update(
                index_elements=["user_id", "key"],
                set_={
                    "request_hash": request_hash,
                    "response_status": None,
                    "response_body": None,
                    "created_at": now,
                },
                where=idempotency_keys.c.created_at <= now - IDEMPOTENCY_TTL,
            )
            .returning(literal_column("1"))
        )
        if (await self._session.execute(stmt)).first() is not None:
            return None
        return await self.get_response(user_id, key)

    async def store_response(self, user_id: UUID, key: str, status: int, body: Mapping[str, Any]) -> None:
        await self._session.execute(
            update(idempotency_keys)
            .where(idempotency_keys.c.user_id == user_id, idempotency_keys.c.key == key)
            .values(response_status=status, response_body=dict(body))
        )

    async def purge_keys(self, now: datetime) -> int:
        result = await self._session.execute(
            text("DELETE FROM idempotency_keys WHERE created_at <= :cutoff"), {"cutoff": now - IDEMPOTENCY_TTL}
        )
        return int(getattr(result, "rowcount", 0) or 0)
