"""Hold seats, or book them at once."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from uuid import UUID

from lynriescoop.application.bookings.claiming import ClaimTerms, PlacedBooking, claim_seats, locked_showing, replay
from lynriescoop.application.ports.clock import Clock
from lynriescoop.application.ports.tickets import TicketSigner
from lynriescoop.application.ports.unit_of_work import UnitOfWorkFactory
from lynriescoop.domain.errors import RuleViolated, TooManySeats

__all__ = ["PlaceBooking", "PlaceBookingCommand", "PlacedBooking"]


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


class PlaceBooking:
    """Claim seats of a showing for a user, all or none.

    Rules: the seat ids are distinct; the showing exists (ShowingNotFound), is scheduled and has not started
    (ShowingNotBookable); every seat is in its room (SeatNotInRoom) and active; the user holds at most
    ``max_seats`` live seats for the showing (TooManySeats); a seat already held or booked by a live booking
    makes the whole request fail with SeatsUnavailable naming exactly those seats; the seat rules hold
    (CompanionNeedsWheelchair, SingleSeatGap naming the seats it would strand). Lapsed holds of the showing
    are expired first, in the same transaction, so they never block anyone. The showing row is locked for the
    transaction and the partial unique index over live claims referees. With an Idempotency-Key, the first
    answer is replayed for the same body within 24 h; another body is IdempotencyKeyReused. The customer's account
    is checked in the same transaction: unknown or disabled is NotAuthenticated. The claim itself (lean: the
    hottest write) is ``claiming.claim_seats``, shared with best available.
    """

    def __init__(
        self,
        uow_factory: UnitOfWorkFactory,
        clock: Clock,
        *,
        terms: ClaimTerms,
        signer: TicketSigner,
    ) -> None:
        self._uow = uow_factory
        self._clock = clock
        self._terms = terms
        self._signer = signer

    async def __call__(self, command: PlaceBookingCommand) -> PlacedBooking:
        # What needs no database is refused before the showing's row lock is even asked for.
        if len(set(command.seat_ids)) != len(command.seat_ids):
            raise RuleViolated("Each seat may be asked for once.", code="duplicate_seats")
        if len(command.seat_ids) > self._terms.max_seats:
            raise TooManySeats(f"At most {self._terms.max_seats} seats per customer for one showing.")
        now = self._clock.now()
        async with self._uow() as uow:
            replayed = await replay(uow, command.user_id, command.idempotency_key, command.fingerprint, now)
            if replayed is not None:
                return replayed
            showing = await locked_showing(uow, command.showing_id)
            document = await claim_seats(
                uow,
                showing,
                user_id=command.user_id,
                seat_ids=command.seat_ids,
                confirm=command.confirm,
                idempotency_key=command.idempotency_key,
                terms=self._terms,
                signer=self._signer,
                now=now,
            )
            await uow.commit()
        return PlacedBooking(document)
