"""Tickets and check-in schemas (API.md §11)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any
from uuid import UUID

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from lynriescoop.application.tickets.check_in import CheckedIn, ScanResult
from lynriescoop.domain.tickets import MAX_CODE_LENGTH, Ticket, TicketStatus

# Room for what scanners and people add (spaces or hyphens between groups, a line break); normalized later.
CodeText = Annotated[str, Field(min_length=1, max_length=2 * MAX_CODE_LENGTH, description="the ticket's code")]


def _utc(moment: datetime | None) -> str | None:
    return moment.isoformat().replace("+00:00", "Z") if moment is not None else None


class TicketOut(BaseModel):
    id: UUID
    booking_id: UUID
    showing_id: UUID
    seat_label: str
    status: TicketStatus
    code: str
    checked_in_at: datetime | None

    @staticmethod
    def document(ticket: Ticket) -> dict[str, Any]:
        return {
            "id": str(ticket.id),
            "booking_id": str(ticket.booking_id),
            "showing_id": str(ticket.showing_id),
            "seat_label": ticket.seat_label,
            "status": ticket.status.value,
            "code": ticket.code,
            "checked_in_at": _utc(ticket.checked_in_at),
        }


class TicketList(BaseModel):
    items: list[TicketOut]


class Jwk(BaseModel):
    kid: str
    kty: str = "OKP"
    crv: str = "Ed25519"
    x: str
    use: str = "sig"


class JwkSet(BaseModel):
    keys: list[Jwk]


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

    @staticmethod
    def document(done: CheckedIn) -> dict[str, Any]:
        return {
            "ticket": TicketOut.document(done.ticket),
            "showing": {
                "id": str(done.showing.id),
                "movie_title": done.showing.movie_title,
                "room_name": done.showing.room_name,
                "start_time": _utc(done.showing.start_time),
            },
            "first_check_in": done.first_check_in,
        }


class ScanIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    code: CodeText
    scanned_at: AwareDatetime = Field(description="when the offline scanner read the code (RFC 3339 with offset)")


class BatchCheckInRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    scans: list[ScanIn] = Field(min_length=1, max_length=500)


class ScanError(BaseModel):
    code: str
    detail: str
    checked_in_at: datetime | None = None


class ScanResultOut(BaseModel):
    code: str
    ok: bool
    ticket: TicketOut | None = None
    error: ScanError | None = None

    @staticmethod
    def document(result: ScanResult) -> dict[str, Any]:
        body: dict[str, Any] = {"code": result.code, "ok": result.ok}
        if result.checked_in is not None:
            body["ticket"] = TicketOut.document(result.checked_in.ticket)
        if result.error_code is not None:
            body["error"] = {"code": result.error_code, "detail": result.error_detail, **result.error_extra}
        return body


class BatchCheckInOut(BaseModel):
    results: list[ScanResultOut]
