"""Hold (or book) the best neighbouring seats of a showing for a party."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from uuid import UUID

from lynriescoop.application.bookings.claiming import ClaimTerms, PlacedBooking, claim_seats, locked_showing, replay
from lynriescoop.application.ports.clock import Clock
from lynriescoop.application.ports.tickets import TicketSigner
from lynriescoop.application.ports.unit_of_work import UnitOfWorkFactory
from lynriescoop.domain.best_available import Wish, best_seats
from lynriescoop.domain.errors import NoAdjacentSeats, ShowingNotBookable, TooManySeats
from lynriescoop.domain.rooms import SeatCategory


@dataclass(frozen=True, slots=True)
class BestAvailableCommand:
    user_id: UUID
    showing_id: UUID
    count: int
    category: SeatCategory | None = None
    accessible: bool = False
    confirm: bool = False
    idempotency_key: str | None = None

    def fingerprint(self) -> str:
        """What makes two requests "the same body" for an Idempotency-Key (never the same as a POST /bookings)."""
        body = {
            "best_available": str(self.showing_id),
            "count": self.count,
            "category": self.category.value if self.category else None,
            "accessible": self.accessible,
            "confirm": self.confirm,
        }
        return hashlib.sha256(json.dumps(body, sort_keys=True).encode()).hexdigest()


class BestAvailable:
    """Hold ``count`` neighbouring seats of one row, the best by the documented score (docs/bookings.md: the
    distance from the middle of the row two thirds back), or book them at once with ``confirm``.

    Rules: the showing exists (ShowingNotFound) and is bookable (ShowingNotBookable); ``count`` is at most
    ``MAX_SEATS_PER_BOOKING``, counting the user's other live seats for the showing (TooManySeats); the seats are
    standard or premium, or only ``category``; with ``accessible``, wheelchair spaces with the companion seats
    beside them; the pick obeys the single-seat rule. The seats are chosen after the showing lock, from the seats
    as they stand in the transaction that claims them (lapsed holds count as free), so two parties never get the
    same seat; when no row has ``count`` free neighbours, NoAdjacentSeats says how many seats are free. The claim
    is the one of POST /bookings, Idempotency-Key included.
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

    async def __call__(self, command: BestAvailableCommand) -> PlacedBooking:
        if command.count > self._terms.max_seats:
            raise TooManySeats(f"At most {self._terms.max_seats} seats per customer for one showing.")
        now = self._clock.now()
        async with self._uow() as uow:
            replayed = await replay(uow, command.user_id, command.idempotency_key, command.fingerprint, now)
            if replayed is not None:
                return replayed
            showing = await locked_showing(uow, command.showing_id)
            if not showing.is_bookable(now):
                raise ShowingNotBookable()
            # Lapsed holds count as free here; claim_seats expires them in this transaction before it claims.
            seats = await uow.bookings.seat_availability(showing.id, showing.room_id, now)
            wish = Wish(command.count, command.category, command.accessible)
            picked = best_seats(seats, wish, self._terms.seat_rules, starts_at=showing.start_time, now=now)
            if picked is None:
                raise NoAdjacentSeats(sum(1 for seat in seats if seat.available))
            document = await claim_seats(
                uow,
                showing,
                user_id=command.user_id,
                seat_ids=[seat.seat_id for seat in picked],
                confirm=command.confirm,
                idempotency_key=command.idempotency_key,
                terms=self._terms,
                signer=self._signer,
                now=now,
                availability=seats,
            )
            await uow.commit()
        return PlacedBooking(document)
