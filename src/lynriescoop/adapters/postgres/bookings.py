"""Bookings and their seat claims in PostgreSQL. The partial unique index over live claims is the referee."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

import orjson
from sqlalchemy import Row, and_, func, literal_column, select, text, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from lynriescoop.adapters.postgres.driver import driver_connection
from lynriescoop.adapters.postgres.showings import showing_from_row
from lynriescoop.adapters.postgres.tables import (
    bookings,
    idempotency_keys,
    movies,
    rooms,
    seat_reservations,
    showings,
    users,
)
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
from lynriescoop.domain.bookings import Booking, BookingStatus, CancelledBy, SeatReservation
from lynriescoop.domain.errors import SeatsUnavailable
from lynriescoop.domain.rooms import Seat, SeatCategory
from lynriescoop.domain.seat_rules import RowSeat
from lynriescoop.domain.showings import Showing
from lynriescoop.domain.values import BookingNumber, SeatLabel

IDEMPOTENCY_TTL = timedelta(hours=24)
_CATEGORIES = {category.value: category for category in SeatCategory}
# idempotency_keys.response_status is no longer read (the stored answer is its body; the status is the entrypoint's
# business), but still written: a process of the previous release, during a rolling restart, takes a NULL status for
# "not answered yet" and would book again. A migration drops the column once no such process can run.
LEGACY_RESPONSE_STATUS = 201
_NUMBER_ATTEMPTS = 5

_SHOWING_COLUMNS = ", ".join("prices::text AS prices" if c.name == "prices" else c.name for c in showings.c)
_LOCK_SHOWING = f"SELECT {_SHOWING_COLUMNS} FROM showings WHERE id = $1 FOR NO KEY UPDATE"  # noqa: S608 - constants
_LOCK_SHOWING_SKIP_LOCKED = _LOCK_SHOWING + " SKIP LOCKED"
# The showing of a booking (of user $2 unless $2 is NULL), locked like _LOCK_SHOWING: a booking's showing never
# changes, so reading it in the same statement is safe.
_LOCK_SHOWING_OF_BOOKING = f"""
    SELECT {_SHOWING_COLUMNS} FROM showings
    WHERE id = (SELECT showing_id FROM bookings WHERE id = $1 AND ($2::uuid IS NULL OR user_id = $2))
    FOR NO KEY UPDATE
"""  # noqa: S608 - built from constant fragments only

# A booking locked for change (its showing is locked first), with its claims as arrays, the titles of its showing,
# its customer and whether it has tickets: what confirming or cancelling it needs, in one round trip. The statement
# starts after the showing's lock was granted, so it sees every change committed before it.
_LOCK_BOOKING = """
    SELECT b.id, b.booking_number, b.user_id, b.showing_id, b.status, b.currency, b.created_at, b.expires_at,
           b.confirmed_at, b.cancelled_at, b.cancelled_by,
           m.title AS movie_title, r.name AS room_name,
           u.email AS u_email, u.name AS u_name, u.is_active AS u_active,
           c.ids, c.seat_ids, c.labels, c.categories, c.prices, c.live,
           EXISTS (SELECT 1 FROM tickets AS t WHERE t.booking_id = b.id) AS has_tickets
    FROM bookings AS b
    JOIN showings AS sh ON sh.id = b.showing_id
    JOIN movies AS m ON m.id = sh.movie_id
    JOIN rooms AS r ON r.id = sh.room_id
    LEFT JOIN users AS u ON u.id = b.user_id
    CROSS JOIN LATERAL (
      SELECT array_agg(s.id) AS ids, array_agg(s.seat_id) AS seat_ids, array_agg(s.label) AS labels,
             array_agg(s.category) AS categories, array_agg(s.price) AS prices, array_agg(s.is_live) AS live
      FROM seat_reservations AS s WHERE s.booking_id = b.id
    ) AS c
    WHERE b.id = $1
    FOR UPDATE OF b
"""
_UPDATE_BOOKING = """
    UPDATE bookings SET status = $2, expires_at = $3, confirmed_at = $4, cancelled_at = $5, cancelled_by = $6,
                        updated_at = now()
    WHERE id = $1
"""
_RELEASE_CLAIMS = "UPDATE seat_reservations SET is_live = false WHERE id = ANY($1::uuid[]) AND is_live"

# Whether seat ``se`` is taken for the seat rules: a live claim of a confirmed booking or of an unexpired hold (a
# lapsed hold is no claim, even before it is expired). The claim side of domain/seat_maps.claim_effect, for the two
# statements of the booking path below; ``{showing}`` and ``{now}`` name their parameters.
_CLAIMED = """EXISTS (SELECT 1 FROM seat_reservations AS c JOIN bookings AS b ON b.id = c.booking_id
                   WHERE c.showing_id = {showing} AND c.seat_id = se.id AND c.is_live
                     AND (b.status <> 'pending' OR b.expires_at > {now}))"""

# Placing a booking reads everything it needs about the locked showing in this one statement (docs/benchmarks.md:
# the booking path used to spend seven round trips on it): the seats of the rows the request touches, each with
# whether it is free for the seat rules (active, no live claim of a confirmed booking or unexpired hold: the
# same _CLAIMED test as _SEAT_AVAILABILITY), the live claims on the requested seats, the customer's live seats, whether
# lapsed holds wait to be expired, the titles and the customer. $1 seat ids, $2 user id, $3 showing id, $4 now.
_BOOKING_CONTEXT = f"""
    SELECT
      m.title AS movie_title, r.name AS room_name,
      u.email AS u_email, u.name AS u_name, u.is_active AS u_active,
      rs.ids, rs.row_labels, rs.numbers, rs.row_indexes, rs.categories, rs.active, rs.claimed,
      (SELECT COALESCE(json_agg(json_build_object(
                'seat_id', c.seat_id, 'booking_id', b.id, 'status', b.status, 'expires_at', b.expires_at)
                ORDER BY c.seat_id), '[]'::json)
         FROM seat_reservations AS c JOIN bookings AS b ON b.id = c.booking_id
         WHERE c.showing_id = sh.id AND c.is_live AND c.seat_id = ANY($1::uuid[]))::text AS claims,
      (SELECT count(*) FROM seat_reservations AS c JOIN bookings AS b ON b.id = c.booking_id
         WHERE b.user_id = $2 AND b.showing_id = sh.id AND c.is_live
           AND (b.status = 'confirmed' OR (b.status = 'pending' AND b.expires_at > $4))) AS held_by_user,
      EXISTS (SELECT 1 FROM bookings AS b
                WHERE b.showing_id = sh.id AND b.status = 'pending' AND b.expires_at <= $4) AS has_lapsed_holds
    FROM showings AS sh
    JOIN movies AS m ON m.id = sh.movie_id
    JOIN rooms AS r ON r.id = sh.room_id
    LEFT JOIN users AS u ON u.id = $2
    CROSS JOIN LATERAL (
      -- One array per column (asyncpg decodes them in C; one scan feeds every aggregate in the same order).
      SELECT array_agg(se.id) AS ids, array_agg(se.row_label) AS row_labels, array_agg(se.number) AS numbers,
             array_agg(se.row_index) AS row_indexes, array_agg(se.category) AS categories,
             array_agg(se.is_active) AS active, array_agg({_CLAIMED.format(showing="sh.id", now="$4")}) AS claimed
      FROM seats AS se
      WHERE se.room_id = sh.room_id
        AND se.row_label IN (SELECT t.row_label FROM seats AS t WHERE t.room_id = sh.room_id AND t.id = ANY($1::uuid[]))
    ) AS rs
    WHERE sh.id = $3
"""  # noqa: S608 - built from constant fragments only

# The booking and its claims in one statement. A booking-number collision inserts nothing (the caller draws a new
# number); the referee: a seat whose live claim exists is not inserted (the partial unique index), and not returned.
# The claims reference the booking inserted by the same statement (foreign keys are checked at its end).
_INSERT_BOOKING_AND_CLAIMS = """
    WITH booking AS (
      INSERT INTO bookings (id, booking_number, user_id, showing_id, status, total_price, currency, expires_at,
                            confirmed_at, created_at, updated_at)
      VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $10)
      ON CONFLICT (booking_number) DO NOTHING
      RETURNING id
    ), claimed AS (
      INSERT INTO seat_reservations (id, booking_id, showing_id, seat_id, label, category, price, is_live)
      SELECT u.id, booking.id, $4, u.seat_id, u.label, u.category, u.price, u.is_live
      FROM booking, unnest($11::uuid[], $12::uuid[], $13::text[], $14::text[], $15::numeric[], $16::bool[])
        WITH ORDINALITY AS u(id, seat_id, label, category, price, is_live, position)
      ORDER BY u.position
      ON CONFLICT (showing_id, seat_id) WHERE is_live DO NOTHING
      RETURNING seat_id
    )
    SELECT EXISTS (SELECT 1 FROM booking) AS inserted, ARRAY(SELECT seat_id FROM claimed) AS claimed
"""

# Whether each seat of the room (or of the rows ``$4`` touches, when given) is free for the seat rules: active and
# without a live claim of a confirmed booking or of an unexpired hold. $1 room, $2 showing, $3 now, $4 seat ids.
_SEAT_AVAILABILITY = f"""
    SELECT se.id, se.row_label, se.row_index, se.number, se.category, se.is_active,
           {_CLAIMED.format(showing="$2", now="$3")} AS claimed
    FROM seats AS se
    WHERE se.room_id = $1
      AND ($4::uuid[] IS NULL
           OR se.row_label IN (SELECT t.row_label FROM seats AS t WHERE t.room_id = $1 AND t.id = ANY($4::uuid[])))
"""  # noqa: S608 - built from constant fragments only


# A claim's columns, in the order _booking_from_record takes them (rows of seat_reservations, or _LOCK_BOOKING's
# arrays zipped).
_CLAIM_COLUMNS = ("id", "seat_id", "label", "category", "price", "is_live")


def _booking_from_record(row: Mapping[Any, Any], claims: Iterable[Sequence[Any]]) -> Booking:
    """A booking from a row of ``bookings`` (a SQLAlchemy mapping or a driver record) and its claims, each the values
    of _CLAIM_COLUMNS; the seats in label order."""
    seats = [
        SeatReservation(
            id=claim_id,
            booking_id=row["id"],
            showing_id=row["showing_id"],
            seat_id=seat_id,
            label=label,
            category=_CATEGORIES[category],
            price=price,
            is_live=is_live,
        )
        for claim_id, seat_id, label, category, price, is_live in claims
    ]
    seats.sort(key=lambda seat: SeatLabel.sort_key(seat.label))
    return Booking(
        id=row["id"],
        booking_number=BookingNumber(row["booking_number"]),
        user_id=row["user_id"],
        showing_id=row["showing_id"],
        currency=row["currency"],
        created_at=row["created_at"],
        status=BookingStatus(row["status"]),
        expires_at=row["expires_at"],
        confirmed_at=row["confirmed_at"],
        cancelled_at=row["cancelled_at"],
        cancelled_by=CancelledBy(row["cancelled_by"]) if row["cancelled_by"] else None,
        seats=seats,
    )


class PostgresBookingRepository(BookingRepository):
    def __init__(self, session: AsyncSession) -> None:
        self._session = session
        self.seen: list[Showing | Booking] = []

    def _saw(self, aggregate: Showing | Booking) -> None:
        if not any(known is aggregate for known in self.seen):
            self.seen.append(aggregate)

    async def lock_showing(self, showing_id: UUID, *, skip_locked: bool = False) -> Showing | None:
        # NO KEY UPDATE: serialises seat changes of the showing without blocking inserts that reference it. On the
        # driver: the first statement of every booking.
        driver = await driver_connection(self._session)
        row = await driver.fetchrow(_LOCK_SHOWING_SKIP_LOCKED if skip_locked else _LOCK_SHOWING, showing_id)
        if row is None:
            return None
        showing = showing_from_row(row)
        self._saw(showing)
        return showing

    async def booking_context(
        self, showing: Showing, user_id: UUID, seat_ids: Sequence[UUID], now: datetime
    ) -> BookingContext:
        driver = await driver_connection(self._session)
        row = await driver.fetchrow(_BOOKING_CONTEXT, list(seat_ids), user_id, showing.id, now)
        assert row is not None, "the caller holds the showing's lock: it exists"
        wanted = set(seat_ids)
        seats_found: dict[UUID, Seat] = {}
        availability: list[RowSeat] = []
        columns = ("ids", "row_labels", "numbers", "row_indexes", "categories", "active", "claimed")
        for seat_id, row_label, number, row_index, category_name, active, claimed in zip(
            *(row[column] or () for column in columns), strict=True
        ):
            category = _CATEGORIES[category_name]
            availability.append(RowSeat(seat_id, row_label, row_index, number, category, active and not claimed))
            if seat_id in wanted:
                seats_found[seat_id] = Seat(
                    id=seat_id,
                    room_id=showing.room_id,
                    row=row_label,
                    number=number,
                    row_index=row_index,
                    category=category,
                    is_active=active,
                )
        claims = [
            LiveClaim(
                seat_id=UUID(c["seat_id"]),
                booking_id=UUID(c["booking_id"]),
                status=BookingStatus(c["status"]),
                expires_at=datetime.fromisoformat(c["expires_at"]) if c["expires_at"] else None,
            )
            for c in orjson.loads(row["claims"])
        ]
        return BookingContext(
            seats=seats_found,
            claims=claims,
            held_by_user=row["held_by_user"],
            has_lapsed_holds=row["has_lapsed_holds"],
            showing=ShowingBrief(showing.id, showing.start_time, row["movie_title"], row["room_name"]),
            customer=UserBrief(user_id, row["u_email"], row["u_name"]) if row["u_active"] else None,
            availability=availability,
        )

    async def lock_showing_of_booking(self, booking_id: UUID, user_id: UUID | None) -> Showing | None:
        driver = await driver_connection(self._session)
        row = await driver.fetchrow(_LOCK_SHOWING_OF_BOOKING, booking_id, user_id)
        if row is None:
            return None
        showing = showing_from_row(row)
        self._saw(showing)
        return showing

    async def lock_booking(self, showing: Showing, booking_id: UUID) -> LockedBooking | None:
        driver = await driver_connection(self._session)
        row = await driver.fetchrow(_LOCK_BOOKING, booking_id)
        if row is None:
            return None
        arrays = ("ids", "seat_ids", "labels", "categories", "prices", "live")  # _CLAIM_COLUMNS, aggregated
        booking = _booking_from_record(row, zip(*(row[column] or () for column in arrays), strict=True))
        return LockedBooking(
            booking=booking,
            showing=ShowingBrief(showing.id, showing.start_time, row["movie_title"], row["room_name"]),
            customer=UserBrief(booking.user_id, row["u_email"], row["u_name"]) if row["u_active"] else None,
            has_tickets=row["has_tickets"],
        )

    async def seat_availability(
        self, showing_id: UUID, room_id: UUID, now: datetime, seat_ids: Sequence[UUID] | None = None
    ) -> Sequence[RowSeat]:
        # On the driver (it runs on every booking): seats of the room, or of the rows the request touches.
        driver = await driver_connection(self._session)
        rows = await driver.fetch(
            _SEAT_AVAILABILITY, room_id, showing_id, now, None if seat_ids is None else list(seat_ids)
        )
        return [
            RowSeat(
                seat_id=r["id"],
                row=r["row_label"],
                row_index=r["row_index"],
                number=r["number"],
                category=SeatCategory(r["category"]),
                available=r["is_active"] and not r["claimed"],
            )
            for r in rows
        ]

    async def add(self, booking: Booking) -> None:
        """One statement and no savepoint: a booking-number collision inserts nothing and draws a new number; a
        seat whose live claim exists (the partial unique index referees) is simply not claimed, and then the
        whole request is refused with exactly those seats (the caller's transaction rolls back)."""
        # Claims in seat order: concurrent requests for overlapping seats meet in the same order.
        claims = sorted(booking.seats, key=lambda s: s.seat_id)
        driver = await driver_connection(self._session)
        for _ in range(_NUMBER_ATTEMPTS):
            row = await driver.fetchrow(
                _INSERT_BOOKING_AND_CLAIMS,
                booking.id,
                booking.booking_number.value,
                booking.user_id,
                booking.showing_id,
                booking.status.value,
                booking.total_price,
                booking.currency,
                booking.expires_at,
                booking.confirmed_at,
                booking.created_at,
                [s.id for s in claims],
                [s.seat_id for s in claims],
                [s.label for s in claims],
                [s.category.value for s in claims],
                [s.price for s in claims],
                [s.is_live for s in claims],
            )
            if row["inserted"]:
                break
            booking.booking_number = BookingNumber.generate()
        else:
            raise RuntimeError("no free booking number after several draws")
        self._saw(booking)
        refused = {s.seat_id for s in booking.seats if s.is_live} - set(row["claimed"])
        if refused:
            raise SeatsUnavailable(sorted(str(seat_id) for seat_id in refused))

    async def _load(self, rows: Sequence[Row[Any]]) -> list[Booking]:
        if not rows:
            return []
        ids = [r.id for r in rows]
        claims: dict[UUID, list[Sequence[Any]]] = {i: [] for i in ids}
        columns = [seat_reservations.c[name] for name in _CLAIM_COLUMNS]
        stmt = select(seat_reservations.c.booking_id, *columns).where(seat_reservations.c.booking_id.in_(ids))
        for booking_id, *claim in await self._session.execute(stmt):
            claims[booking_id].append(claim)
        return [_booking_from_record(r._mapping, claims[r.id]) for r in rows]

    async def get(self, booking_id: UUID) -> Booking | None:
        stmt = select(bookings).where(bookings.c.id == booking_id)
        found = await self._load((await self._session.execute(stmt)).all())
        return found[0] if found else None

    async def update(self, booking: Booking) -> None:
        # On the driver (every confirmation, cancellation and expiry): the events the booking recorded name its
        # showing, which is what tells the read caches (adapters/postgres/driver.py).
        self._saw(booking)
        driver = await driver_connection(self._session)
        await driver.execute(
            _UPDATE_BOOKING,
            booking.id,
            booking.status.value,
            booking.expires_at,
            booking.confirmed_at,
            booking.cancelled_at,
            booking.cancelled_by.value if booking.cancelled_by else None,
        )
        released = [s.id for s in booking.seats if not s.is_live]
        if released:
            await driver.execute(_RELEASE_CLAIMS, released)

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
        if row is None or row.response_body is None:
            return None
        return StoredResponse(row.request_hash, row.response_body, row.created_at)

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

    async def store_response(self, user_id: UUID, key: str, body: Mapping[str, Any]) -> None:
        await self._session.execute(
            update(idempotency_keys)
            .where(idempotency_keys.c.user_id == user_id, idempotency_keys.c.key == key)
            .values(response_status=LEGACY_RESPONSE_STATUS, response_body=dict(body))
        )

    async def purge_keys(self, now: datetime) -> int:
        result = await self._session.execute(
            text("DELETE FROM idempotency_keys WHERE created_at <= :cutoff"), {"cutoff": now - IDEMPOTENCY_TTL}
        )
        return int(getattr(result, "rowcount", 0) or 0)
