"""The unit of work: one transaction, its repositories, and the events it will write to the outbox."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from types import TracebackType
from typing import Protocol, Self
from uuid import UUID

from lynriescoop.application.ports.bookings import BookingRepository
from lynriescoop.application.ports.delivery import OutboxRepository
from lynriescoop.application.ports.read_models import SeatMapReader, ShowingReader
from lynriescoop.application.ports.repositories import (
    LoginAttemptRepository,
    MovieRepository,
    RefreshTokenRepository,
    UserRepository,
)
from lynriescoop.application.ports.rooms import RoomRepository
from lynriescoop.application.ports.showings import ShowingRepository
from lynriescoop.application.ports.tickets import TicketRepository
from lynriescoop.domain.bookings import Booking
from lynriescoop.domain.events import DomainEvent, SeatsChanged
from lynriescoop.domain.showings import Showing


class UnitOfWork(Protocol):
    """Use as ``async with uow_factory() as uow: ...; await uow.commit()``. Leaving without commit rolls back.

    At commit, the events the aggregates recorded (the showings it locked, the bookings it wrote: see
    :func:`collect_events`) and those recorded with :meth:`record` are written as outbox rows in the same
    transaction, with the seat versions the showings raised.
    """

    users: UserRepository
    refresh_tokens: RefreshTokenRepository
    login_attempts: LoginAttemptRepository
    bookings: BookingRepository
    movies: MovieRepository
    rooms: RoomRepository
    showings: ShowingRepository
    seat_maps: SeatMapReader
    showing_views: ShowingReader
    outbox: OutboxRepository
    tickets: TicketRepository

    async def __aenter__(self) -> Self: ...

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None: ...

    def record(self, *events: DomainEvent) -> None: ...

    async def commit(self) -> None: ...

    async def rollback(self) -> None: ...


UnitOfWorkFactory = Callable[[], UnitOfWork]


def collect_events(uow: UnitOfWork, recorded: Sequence[DomainEvent]) -> tuple[list[DomainEvent], dict[UUID, int]]:
    """What a commit writes, taken from the aggregates (their event lists are emptied): the events in order (the
    showings' seat changes, then the bookings' status changes, then those ``recorded`` by the use case), and the
    seat version each showing that changed its seats reached (at most one object per showing is locked in a
    transaction, so each version is the showing's own count)."""
    locked = [*uow.showings.seen, *(a for a in uow.bookings.seen if isinstance(a, Showing))]
    written = [a for a in uow.bookings.seen if isinstance(a, Booking)]
    events: list[DomainEvent] = []
    versions: dict[UUID, int] = {}
    for showing in locked:
        if any(isinstance(event, SeatsChanged) for event in showing.events):
            versions[showing.id] = showing.seat_version
        events.extend(showing.events)
        showing.events.clear()
    for booking in written:
        events.extend(booking.events)
        booking.events.clear()
    events.extend(recorded)
    return events, versions
