"""The unit of work: one transaction, its repositories, and the events it will write to the outbox."""

from __future__ import annotations

from collections.abc import Callable
from types import TracebackType
from typing import Protocol, Self

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
from lynriescoop.domain.events import DomainEvent


class UnitOfWork(Protocol):
    """Use as ``async with uow_factory() as uow: ...; await uow.commit()``. Leaving without commit rolls back.

    Events recorded with :meth:`record` are written as outbox rows in the same transaction at commit.
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
