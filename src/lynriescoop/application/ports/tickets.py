"""Ports of tickets: the signer of ticket codes and the ticket repository (API.md §11)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol
from uuid import UUID

from lynriescoop.domain.tickets import Ticket, TicketClaims


@dataclass(frozen=True, slots=True)
class PublicKey:
    """One verification key as ``GET /tickets/keys`` lists it: ``x`` is the raw 32-byte Ed25519 public key in
    base64url without padding (the JWK ``x``)."""

    kid: str
    x: str


class TicketSigner(Protocol):
    """Signs ticket codes with the current key, and verifies them against every key still accepted."""

    @property
    def key_id(self) -> str:
        """The id of the key that signs new tickets (8 hex digits)."""
        ...

    def sign(self, claims: TicketClaims) -> str:
        """The code of ``claims`` (whose ``key_id`` must be :attr:`key_id`)."""
        ...

    def verify(self, code: str) -> TicketClaims:
        """The claims of a code signed by an accepted key; InvalidTicket for anything else."""
        ...

    def public_keys(self) -> Sequence[PublicKey]:
        """Every key whose tickets are still valid: the current one first, then the previous ones."""
        ...


class TicketRepository(Protocol):
    async def add_many(self, tickets: Sequence[Ticket]) -> None: ...

    async def get(self, ticket_id: UUID) -> Ticket | None: ...

    async def of_booking(self, booking_id: UUID) -> Sequence[Ticket]:
        """The booking's tickets in seat order."""
        ...

    async def check_in(self, ticket_id: UUID, at: datetime) -> Ticket | None:
        """Mark a ``valid`` ticket ``checked_in`` at ``at`` in one conditional write (the database referees two
        doors scanning at once); None when the ticket was not ``valid`` at that moment (or does not exist)."""
        ...

    async def revoke_of_bookings(self, booking_ids: Sequence[UUID], at: datetime) -> Sequence[Ticket]:
        """Revoke every ticket of these bookings that is not revoked yet; the tickets revoked now."""
        ...

    async def revoked_ids(self, showing_id: UUID) -> Sequence[UUID]:
        """Every revoked ticket of the showing, oldest revocation first (ties by id)."""
        ...
