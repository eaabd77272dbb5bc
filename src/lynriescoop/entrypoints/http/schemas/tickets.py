"""Tickets and check-in schemas (API.md §11)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Annotated, Self
from uuid import UUID

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from lynriescoop.application.ports.tickets import PublicKey
from lynriescoop.application.tickets.check_in import CheckedIn, ScanResult
from lynriescoop.domain.formats import utc
from lynriescoop.domain.tickets import MAX_CODE_LENGTH, Ticket, TicketStatus

# Room for what scanners and people add (spaces or hyphens between groups, a line break); normalized later.
CodeText = Annotated[str, Field(min_length=1, max_length=2 * MAX_CODE_LENGTH, description="the ticket's code")]


class TicketOut(BaseModel):
    id: UUID
    booking_id: UUID
    showing_id: UUID
    seat_label: str
    status: TicketStatus
    code: str
    checked_in_at: datetime | None

    @classmethod
    def of(cls, ticket: Ticket) -> Self:
        return cls(
            id=ticket.id,
            booking_id=ticket.booking_id,
            showing_id=ticket.showing_id,
            seat_label=ticket.seat_label,
            status=ticket.status,
            code=ticket.code,
            checked_in_at=utc(ticket.checked_in_at) if ticket.checked_in_at is not None else None,
        )


class TicketList(BaseModel):
    items: list[TicketOut]

    @classmethod
    def of(cls, tickets: Sequence[Ticket]) -> Self:
        return cls(items=[TicketOut.of(ticket) for ticket in tickets])


class Jwk(BaseModel):
    kid: str
    kty: str = "OKP"
    crv: str = "Ed25519"
    x: str
    use: str = "sig"


class JwkSet(BaseModel):
    keys: list[Jwk]

    @classmethod
    def of(cls, keys: Sequence[PublicKey]) -> Self:
        return cls(keys=[Jwk(kid=key.kid, x=key.x) for key in keys])


class CheckInRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    code: CodeText
    showing_id: UUID | None = Field(default=None, description="the showing this door serves (optional)")


class CheckInShowingOut(BaseModel):
    id: UUID
    movie_title: str
    room_name: str
    start_time: datetime


class CheckInOut(BaseModel):
    ticket: TicketOut
    showing: CheckInShowingOut
    first_check_in: bool

    @classmethod
    def of(cls, done: CheckedIn) -> Self:
        showing = CheckInShowingOut(
            id=done.showing.id,
            movie_title=done.showing.movie_title,
            room_name=done.showing.room_name,
            start_time=utc(done.showing.start_time),
        )
        return cls(ticket=TicketOut.of(done.ticket), showing=showing, first_check_in=done.first_check_in)


class ScanIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    code: CodeText
    scanned_at: AwareDatetime = Field(description="when the offline scanner read the code (RFC 3339 with offset)")


class BatchCheckInRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    scans: list[ScanIn] = Field(min_length=1, max_length=500)


class ScanError(BaseModel):
    model_config = ConfigDict(extra="allow")  # the error's details, as problem+json carries them

    code: str
    detail: str
    checked_in_at: datetime | None = None


class ScanResultOut(BaseModel):
    code: str
    ok: bool
    ticket: TicketOut | None = None
    error: ScanError | None = None

    @classmethod
    def of(cls, result: ScanResult) -> Self:
        """Either ``ticket`` or ``error`` is set, never both; the route leaves out what is unset."""
        parts: dict[str, TicketOut | ScanError] = {}
        if result.checked_in is not None:
            parts["ticket"] = TicketOut.of(result.checked_in.ticket)
        if result.error_code is not None:
            parts["error"] = ScanError(code=result.error_code, detail=result.error_detail or "", **result.error_extra)
        return cls(code=result.code, ok=result.ok, **parts)


class BatchCheckInOut(BaseModel):
    results: list[ScanResultOut]

    @classmethod
    def of(cls, results: Sequence[ScanResult]) -> Self:
        return cls(results=[ScanResultOut.of(result) for result in results])
