"""Ports of the booking engine: bookings with their seat claims, and the read models around them."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any, Protocol
from uuid import UUID

from lynriescoop.application.ports.repositories import Page
from lynriescoop.domain.bookings import Booking, BookingStatus
from lynriescoop.domain.rooms import Seat
from lynriescoop.domain.seat_rules import RowSeat
from lynriescoop.domain.showings import Showing


@dataclass(frozen=True, slots=True)
class LiveClaim:
    """A live claim on a seat of a showing, with the state of the booking that holds it."""

    seat_id: UUID
    booking_id: UUID
    status: BookingStatus
    expires_at: datetime | None


@dataclass(frozen=True, slots=True)
class BookingFilter:
    user_id: UUID | None = None
    showing_id: UUID | None = None
    status: BookingStatus | None = None
    upcoming: bool | None = None


@dataclass(frozen=True, slots=True)
class ShowingBrief:
    id: UUID
    start_time: datetime
    movie_title: str
    room_name: str


@dataclass(frozen=True, slots=True)
class UserBrief:
    id: UUID
    email: str
    name: str


@dataclass(frozen=True, slots=True)
class BookingView:
    """A booking as clients see it: with its showing's title, room and time (and, for managers, its user)."""

    booking: Booking
    showing: ShowingBrief
    user: UserBrief | None = None


@dataclass(frozen=True, slots=True)
class BookingContext:
    """What placing a booking on a locked showing needs to know, read in one statement.

    ``seats``: those of the requested seats that are seats of the showing's room. ``claims``: the live claims on
    the requested seats (a lapsed hold's too, until it is expired). ``held_by_user``: seats the user holds (hold
    unexpired) or has booked for the showing. ``has_lapsed_holds``: whether any hold of the showing has lapsed
    and is still to be expired. ``showing``: title, room and time for the answer and the email. ``customer``: the
    user, or None when the account is unknown or disabled. ``availability``: every seat of the rows the request
    touches, as :meth:`BookingRepository.seat_availability` gives it, for the seat rules.
    """

    seats: Mapping[UUID, Seat]
    claims: Sequence[LiveClaim]
    held_by_user: int
    has_lapsed_holds: bool
    showing: ShowingBrief
    customer: UserBrief | None
    availability: Sequence[RowSeat] = ()


@dataclass(frozen=True, slots=True)
class LockedBooking:
    """A booking locked for change on a showing this transaction has locked, read in one statement with what an
    answer and an email about it need: ``showing`` (title, room and time), ``customer`` (the booking's user, or
    None when that account is unknown or disabled) and whether it ``has_tickets`` already."""

    booking: Booking
    showing: ShowingBrief
    customer: UserBrief | None
    has_tickets: bool


@dataclass(frozen=True, slots=True)
class StoredResponse:
    """The first answer given to an Idempotency-Key, replayed for the same request within 24 hours. It is the answer's
    body only: which HTTP status goes with it is the entrypoint's business."""

    request_hash: str
    body: Mapping[str, Any]
    created_at: datetime


class BookingRepository(Protocol):
    seen: list[Showing | Booking]
    """The aggregates this transaction locked (showings) or wrote (bookings), in that order, each once: the unit of
    work collects the events they recorded at commit, and writes the seat version a showing raised."""

    async def lock_showing(self, showing_id: UUID, *, skip_locked: bool = False) -> Showing | None:
        """Read the showing and lock its row until the transaction ends: every change to a showing's seats
        serialises here, which also makes its seat-map ``version`` rise by exactly one per change
        (``Showing.record_seat_change``; the unit of work writes it at commit).
        With ``skip_locked``, a showing locked elsewhere reads as None instead of waiting."""
        ...

    async def booking_context(
        self, showing: Showing, user_id: UUID, seat_ids: Sequence[UUID], now: datetime
    ) -> BookingContext:
        """Everything :class:`BookingContext` holds, in one query, for a showing this transaction has locked."""
        ...

    async def lock_showing_of_booking(self, booking_id: UUID, user_id: UUID | None) -> Showing | None:
        """:meth:`lock_showing` for the showing of booking ``booking_id``, in one query. With ``user_id``, a booking
        of anyone else is as unknown as one that does not exist (None, and nothing is locked)."""
        ...

    async def lock_booking(self, showing: Showing, booking_id: UUID) -> LockedBooking | None:
        """The booking, locked for update, with everything :class:`LockedBooking` holds, in one query; ``showing``
        is its showing, locked by this transaction first (the lock order everywhere: showing, then its bookings)."""
        ...

    async def seat_availability(
        self, showing_id: UUID, room_id: UUID, now: datetime, seat_ids: Sequence[UUID] | None = None
    ) -> Sequence[RowSeat]:
        """The seats of the rows of ``room_id`` holding any of ``seat_ids`` (every row when None), each with
        whether it is available for the showing: active, and no live claim (a hold lapsed by ``now`` is none).
        One query; read after the showing lock, it is what the claim in the same transaction will meet."""
        ...

    async def add(self, booking: Booking) -> None:
        """Insert the booking and its claims. Raises SeatsUnavailable naming the seats whose live claim
        already exists (the partial unique index referees); retries booking-number collisions."""
        ...

    async def get(self, booking_id: UUID) -> Booking | None: ...

    async def update(self, booking: Booking) -> None:
        """Write status and timestamps, and free the claims that are no longer live."""
        ...

    async def lapsed_holds(self, showing_id: UUID, now: datetime) -> Sequence[Booking]:
        """Pending bookings of the showing whose hold has lapsed, locked for update."""
        ...

    async def live_bookings_of_showing(self, showing_id: UUID) -> Sequence[Booking]:
        """Pending and confirmed bookings of the showing, locked for update."""
        ...

    async def view(self, booking_id: UUID) -> BookingView | None: ...

    async def list_views(
        self, filters: BookingFilter, now: datetime, limit: int, offset: int, *, with_user: bool = False
    ) -> Page[BookingView]:
        """Bookings newest first (created_at desc, id), with showing briefs (and users), one query per page."""
        ...

    async def showings_with_lapsed_holds(self, now: datetime, limit: int) -> Sequence[UUID]: ...

    async def complete_ended(self, now: datetime) -> Sequence[Booking]:
        """Mark confirmed bookings of ended showings ``completed`` (and those showings), returning them."""
        ...

    async def get_response(self, user_id: UUID, key: str) -> StoredResponse | None: ...

    async def claim_key(self, user_id: UUID, key: str, request_hash: str, now: datetime) -> StoredResponse | None:
        """Reserve an idempotency key for this transaction. Returns the stored first response when the key
        was already used (waiting for a concurrent first use to finish), else None. Keys older than 24 h are
        forgotten."""
        ...

    async def store_response(self, user_id: UUID, key: str, body: Mapping[str, Any]) -> None:
        """Keep the answer of the request that claimed ``key`` in this transaction, for its replays."""
        ...

    async def purge_keys(self, now: datetime) -> int:
        """Forget idempotency keys older than 24 h; returns how many."""
        ...


@dataclass(frozen=True, slots=True)
class OccupancyRow:
    showing_id: UUID
    movie_title: str
    start_time: datetime
    capacity: int
    sold: int
    held: int
    checked_in: int = 0  # tickets of the showing admitted at the door


@dataclass(frozen=True, slots=True)
class TopMovieRow:
    movie_id: UUID
    title: str
    tickets_sold: int
    revenue: Decimal


@dataclass(frozen=True, slots=True)
class Stats:
    users: int
    movies: int
    rooms: int
    upcoming_showings: int
    confirmed_bookings: int
    tickets_sold: int
    revenue: Decimal
    occupancy: Sequence[OccupancyRow]
    top_movies: Sequence[TopMovieRow]


class StatsReader(Protocol):
    async def stats(self, start: datetime | None, end: datetime | None, now: datetime) -> Stats:
        """Figures over showings starting in [start, end); cancelled and expired bookings never count."""
        ...
