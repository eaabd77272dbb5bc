"""Hold seats, or book them at once."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any
from uuid import UUID

from lynriescoop.application.bookings.seat_changes import (
    record_customer_email,
    record_seat_change,
    release_lapsed_holds,
)
from lynriescoop.application.bookings.serialization import booking_document
from lynriescoop.application.ports.bookings import BookingView
from lynriescoop.application.ports.clock import Clock
from lynriescoop.application.ports.tickets import TicketSigner
from lynriescoop.application.ports.unit_of_work import UnitOfWorkFactory
from lynriescoop.application.tickets.issuing import issue_tickets
from lynriescoop.domain.bookings import Booking, BookingStatus
from lynriescoop.domain.errors import (
    IdempotencyKeyReused,
    NotAuthenticated,
    RuleViolated,
    SeatsUnavailable,
    ShowingNotFound,
)
from lynriescoop.domain.events import SeatChangeReason


@dataclass(frozen=True, slots=True)
class PlaceBookingCommand:
    user_id: UUID
    showing_id: UUID
    seat_ids: tuple[UUID, ...]
    confirm: bool = False
    idempotency_key: str | None = None

    def fingerprint(self) -> str:
        """What makes two requests "the same body" for an Idempotency-Key."""
        body = {
            "showing_id": str(self.showing_id),
            "seat_ids": sorted(map(str, self.seat_ids)),
            "confirm": self.confirm,
        }
        return hashlib.sha256(json.dumps(body, sort_keys=True).encode()).hexdigest()


@dataclass(frozen=True, slots=True)
class PlacedBooking:
    document: dict[str, Any]
    replayed: bool = field(default=False)


class PlaceBooking:
    """Claim seats of a showing for a user, all or none.

    Rules: the seat ids are distinct; the showing exists (ShowingNotFound), is scheduled and has not started
    (ShowingNotBookable); every seat is in its room (SeatNotInRoom) and active; the user holds at most
    ``max_seats`` live seats for the showing (TooManySeats); a seat already held or booked by a live booking
    makes the whole request fail with SeatsUnavailable naming exactly those seats. Lapsed holds of the showing
    are expired first, in the same transaction, so they never block anyone. The showing row is locked for the
    transaction and the partial unique index over live claims referees. With an Idempotency-Key, the first
    answer is replayed for the same body within 24 h; another body is IdempotencyKeyReused. The customer's account
    is checked in the same transaction: unknown or disabled is NotAuthenticated.

    Lean on purpose (the hottest write): after the showing's lock, one read tells the seats, their claims, the
    customer's other seats, whether lapsed holds wait to be expired, and the titles the answer shows; then two
    inserts, the version, and the outbox rows with the commit.
    """

    def __init__(
        self,
        uow: UnitOfWorkFactory,
        clock: Clock,
        *,
        hold_for: timedelta,
        max_seats: int,
        cancel_cutoff: timedelta,
        currency: str,
        signer: TicketSigner,
    ) -> None:
        self._uow = uow
        self._clock = clock
        self._hold_for = hold_for
        self._max_seats = max_seats
        self._cancel_cutoff = cancel_cutoff
        self._currency = currency
        self._signer = signer

    async def __call__(self, command: PlaceBookingCommand) -> PlacedBooking:
        if len(set(command.seat_ids)) != len(command.seat_ids):
            raise RuleViolated("Each seat may be asked for once.", code="duplicate_seats")
        now = self._clock.now()
        async with self._uow() as uow:
            if command.idempotency_key is not None:
                fingerprint = command.fingerprint()
                stored = await uow.bookings.claim_key(command.user_id, command.idempotency_key, fingerprint, now)
                if stored is not None:
                    if stored.request_hash != fingerprint:
                        raise IdempotencyKeyReused()
                    return PlacedBooking(dict(stored.body), replayed=True)
            showing = await uow.bookings.lock_showing(command.showing_id)
            if showing is None:
                raise ShowingNotFound()
            context = await uow.bookings.booking_context(showing, command.user_id, command.seat_ids, now)
            if context.customer is None:
                raise NotAuthenticated("The account is unknown or disabled.")
            lapsed = await release_lapsed_holds(uow, showing, now) if context.has_lapsed_holds else ()
            freed = {booking.id for booking in lapsed}
            booking = Booking.open(
                user_id=command.user_id,
                showing=showing,
                seat_ids=command.seat_ids,
                room_seats=context.seats,
                already_held_by_user=context.held_by_user,
                max_seats=self._max_seats,
                now=now,
                hold_for=self._hold_for,
                confirm=command.confirm,
                currency=self._currency,
            )
            taken = [claim for claim in context.claims if claim.booking_id not in freed]
            if taken:
                raise SeatsUnavailable([str(claim.seat_id) for claim in taken])
            await uow.bookings.add(booking)
            confirmed = booking.status is BookingStatus.CONFIRMED
            reason = SeatChangeReason.BOOKED if confirmed else SeatChangeReason.HELD
            await issue_tickets(uow, booking, showing, self._signer, now)
            await record_seat_change(uow, showing, [booking], reason, now)
            view = BookingView(booking, context.showing)
            if confirmed:
                await record_customer_email(uow, view, showing, self._cancel_cutoff, now, context.customer)
            document = booking_document(view)
            if command.idempotency_key is not None:
                await uow.bookings.store_response(command.user_id, command.idempotency_key, 201, document)
            await uow.commit()
        return PlacedBooking(document)
