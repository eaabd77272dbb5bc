"""Claiming seats of a locked showing, shared by POST /bookings (PlaceBooking) and best available: one place for
the claim, its seat rules, its events and its idempotent answer."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

from lynriescoop.application.bookings.seat_changes import (
    record_customer_email,
    record_seat_change,
    release_lapsed_holds,
)
from lynriescoop.application.bookings.serialization import booking_document
from lynriescoop.application.ports.bookings import BookingView
from lynriescoop.application.ports.tickets import TicketSigner
from lynriescoop.application.ports.unit_of_work import UnitOfWork
from lynriescoop.application.tickets.issuing import issue_tickets
from lynriescoop.domain.bookings import Booking, BookingStatus
from lynriescoop.domain.errors import IdempotencyKeyReused, NotAuthenticated, SeatsUnavailable, ShowingNotFound
from lynriescoop.domain.events import SeatChangeReason
from lynriescoop.domain.seat_rules import RowSeat, SeatRules
from lynriescoop.domain.showings import Showing


@dataclass(frozen=True, slots=True)
class ClaimTerms:
    """The settings a claim obeys (API.md §6, §10)."""

    hold_for: timedelta
    max_seats: int
    cancel_cutoff: timedelta
    currency: str
    seat_rules: SeatRules = field(default_factory=SeatRules)


@dataclass(frozen=True, slots=True)
class PlacedBooking:
    document: dict[str, Any]
    replayed: bool = field(default=False)


async def replay(
    uow: UnitOfWork, user_id: UUID, key: str | None, fingerprint_of: Callable[[], str], now: datetime
) -> PlacedBooking | None:
    """With an Idempotency-Key: the first answer for the same request (IdempotencyKeyReused for another one), or
    None after reserving the key for this transaction. ``fingerprint_of`` is called only with a key (a hash of the
    request's body: no cost to requests without one)."""
    if key is None:
        return None
    fingerprint = fingerprint_of()
    stored = await uow.bookings.claim_key(user_id, key, fingerprint, now)
    if stored is None:
        return None
    if stored.request_hash != fingerprint:
        raise IdempotencyKeyReused()
    return PlacedBooking(dict(stored.body), replayed=True)


async def locked_showing(uow: UnitOfWork, showing_id: UUID) -> Showing:
    """The showing a claim is for, its row locked until the transaction ends (ShowingNotFound when it does not
    exist): every claim on one showing serialises here."""
    showing = await uow.bookings.lock_showing(showing_id)
    if showing is None:
        raise ShowingNotFound()
    return showing


async def enforce_seat_rules(
    uow: UnitOfWork,
    showing: Showing,
    seat_ids: Sequence[UUID],
    terms: ClaimTerms,
    now: datetime,
    availability: Sequence[RowSeat] | None = None,
) -> None:
    """The seat rules of API.md §6 (SingleSeatGap, CompanionNeedsWheelchair) on the rows the request touches, as
    they stand in this transaction after the showing lock (read with one query unless ``availability`` is given)."""
    if availability is None:
        availability = await uow.bookings.seat_availability(showing.id, showing.room_id, now, seat_ids)
    terms.seat_rules.check(availability, seat_ids, starts_at=showing.start_time, now=now)


async def claim_seats(
    uow: UnitOfWork,
    showing: Showing,
    *,
    user_id: UUID,
    seat_ids: Sequence[UUID],
    confirm: bool,
    idempotency_key: str | None,
    terms: ClaimTerms,
    signer: TicketSigner,
    now: datetime,
    availability: Sequence[RowSeat] | None = None,
) -> dict[str, Any]:
    """Open the booking on ``seat_ids`` of the locked ``showing`` inside the caller's transaction, record its events
    (and its tickets when it is confirmed at once), store the answer for the Idempotency-Key; returns the booking
    document. The caller commits.

    Lean on purpose (the hottest write, docs/performance.md): one read tells the seats, their claims, the
    customer's other seats, whether lapsed holds wait to be expired (only then are they), the customer (unknown or
    disabled: NotAuthenticated), the titles the answer shows and the rows the seat rules look at; then the seat
    rules, the inserts, and the outbox rows and the showing's new version with the commit. The answer is built
    from what the transaction holds, not read again.
    """
    context = await uow.bookings.booking_context(showing, user_id, seat_ids, now)
    if context.customer is None:
        raise NotAuthenticated("The account is unknown or disabled.")
    lapsed = await release_lapsed_holds(uow, showing, now) if context.has_lapsed_holds else ()
    freed = {booking.id for booking in lapsed}
    booking = Booking.open(
        user_id=user_id,
        showing=showing,
        seat_ids=seat_ids,
        room_seats=context.seats,
        already_held_by_user=context.held_by_user,
        max_seats=terms.max_seats,
        now=now,
        hold_for=terms.hold_for,
        confirm=confirm,
        currency=terms.currency,
    )
    taken = [claim for claim in context.claims if claim.booking_id not in freed]
    if taken:
        raise SeatsUnavailable([str(claim.seat_id) for claim in taken])
    rows = availability if availability is not None else context.availability
    await enforce_seat_rules(uow, showing, seat_ids, terms, now, rows)
    await uow.bookings.add(booking)
    confirmed = booking.status is BookingStatus.CONFIRMED
    reason = SeatChangeReason.BOOKED if confirmed else SeatChangeReason.HELD
    issued = await issue_tickets(uow, booking, showing, signer, now, fresh=True)
    record_seat_change(showing, [booking], reason, now)
    view = BookingView(booking, context.showing)
    if confirmed:
        await record_customer_email(uow, view, showing, terms.cancel_cutoff, now, context.customer, issued)
    document = booking_document(view)
    if idempotency_key is not None:
        await uow.bookings.store_response(user_id, idempotency_key, document)
    return document
