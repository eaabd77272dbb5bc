"""Check-in at the door: one scan online, or a batch from a scanner that was offline (API.md §11)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from uuid import UUID

from lynriescoop.application.ports.clock import Clock
from lynriescoop.application.ports.tickets import TicketSigner
from lynriescoop.application.ports.unit_of_work import UnitOfWorkFactory
from lynriescoop.domain.errors import CheckinClosed, DomainError, InvalidTicket, Unavailable, WrongShowing
from lynriescoop.domain.events import TicketCheckedIn
from lynriescoop.domain.showings import ShowingStatus
from lynriescoop.domain.tickets import Ticket


@dataclass(frozen=True, slots=True)
class CheckInCommand:
    code: str
    showing_id: UUID | None = None
    scanned_at: datetime | None = None  # a batch's scan time; None: now


@dataclass(frozen=True, slots=True)
class CheckInShowing:
    id: UUID
    movie_title: str
    room_name: str
    start_time: datetime


@dataclass(frozen=True, slots=True)
class CheckedIn:
    ticket: Ticket
    showing: CheckInShowing
    first_check_in: bool = True


class CheckIn:
    """Admit the holder of a ticket code, once.

    Rules, in this order: the code is signed by an accepted key and names a ticket the service issued
    (InvalidTicket); when the door says which showing it serves, the ticket is for it (WrongShowing); the showing
    is not cancelled and has not ended at the scan time (CheckinClosed); the ticket is not revoked (TicketRevoked)
    and not checked in already (AlreadyCheckedIn, with the first check-in's time). The write is one conditional
    update, so of two doors scanning the same ticket at once exactly one admits it. A first check-in is announced
    on ``checkin/{showing_id}``. A scan time later than now counts as now.
    """

    def __init__(self, uow_factory: UnitOfWorkFactory, clock: Clock, signer: TicketSigner) -> None:
        self._uow = uow_factory
        self._clock = clock
        self._signer = signer

    async def __call__(self, command: CheckInCommand) -> CheckedIn:
        now = self._clock.now()
        at = min(command.scanned_at, now) if command.scanned_at is not None else now
        claims = self._signer.verify(command.code)
        if command.showing_id is not None and command.showing_id != claims.showing_id:
            raise WrongShowing()
        async with self._uow() as uow:
            ticket = await uow.tickets.get(claims.ticket_id)
            if ticket is None or (ticket.showing_id, ticket.seat_label) != (claims.showing_id, claims.seat_label):
                raise InvalidTicket("The code is signed but names no ticket of this cinema.")
            view = await uow.showing_views.view(ticket.showing_id, now)
            if view is None:
                raise InvalidTicket("The code is signed but names no showing of this cinema.")
            if view.showing.status is ShowingStatus.CANCELLED or at >= view.showing.end_time:
                raise CheckinClosed()
            ticket.check_in(at)  # the domain's answer for a revoked or used ticket, as read
            admitted = await uow.tickets.check_in(ticket.id, at)
            if admitted is None:  # another door was faster (or the booking was cancelled meanwhile)
                current = await uow.tickets.get(ticket.id)
                if current is not None:
                    current.check_in(at)
                raise InvalidTicket("The ticket changed during the check-in.")
            uow.record(TicketCheckedIn(now, admitted.showing_id, admitted.id, admitted.seat_label, at))
            await uow.commit()
        showing = CheckInShowing(view.showing.id, view.movie.title, view.room.name, view.showing.start_time)
        return CheckedIn(admitted, showing)


@dataclass(frozen=True, slots=True)
class Scan:
    code: str
    scanned_at: datetime


@dataclass(frozen=True, slots=True)
class ScanResult:
    code: str
    ok: bool
    checked_in: CheckedIn | None = None
    error_code: str | None = None
    error_detail: str | None = None
    error_extra: dict[str, Any] = field(default_factory=dict)


class CheckInBatch:
    """Check in the scans of a scanner that was offline, each as :class:`CheckIn` would, answered in the order
    given. Scans are applied in ``scanned_at`` order, so for a ticket scanned more than once the earliest scan is
    its check-in and the later ones are ``already_checked_in``. One scan's refusal does not affect the others; an
    outage of the database fails the whole batch (it can be sent again: what was admitted stays admitted)."""

    def __init__(self, check_in: CheckIn) -> None:
        self._check_in = check_in

    async def __call__(self, scans: Sequence[Scan]) -> list[ScanResult]:
        results: dict[int, ScanResult] = {}
        for index in sorted(range(len(scans)), key=lambda i: (scans[i].scanned_at, i)):
            scan = scans[index]
            try:
                done = await self._check_in(CheckInCommand(scan.code, scanned_at=scan.scanned_at))
            except Unavailable:
                raise
            except DomainError as error:
                results[index] = ScanResult(scan.code, False, None, error.code, error.detail, dict(error.extra))
            else:
                results[index] = ScanResult(scan.code, True, done)
        return [results[i] for i in range(len(scans))]
