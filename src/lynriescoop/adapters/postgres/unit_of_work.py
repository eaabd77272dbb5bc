"""The PostgreSQL unit of work: one session, one transaction, outbox rows written with the change."""

from __future__ import annotations

from types import TracebackType
from typing import Self

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from lynriescoop.adapters.postgres.bookings import PostgresBookingRepository
from lynriescoop.adapters.postgres.catalogue_views import PostgresSeatMapReader, PostgresShowingReader
from lynriescoop.adapters.postgres.errors import OUTBOX_CHANNEL
from lynriescoop.adapters.postgres.login_attempts import PostgresLoginAttemptRepository
from lynriescoop.adapters.postgres.movies import PostgresMovieRepository
from lynriescoop.adapters.postgres.outbox import PostgresOutboxRepository
from lynriescoop.adapters.postgres.refresh_tokens import PostgresRefreshTokenRepository
from lynriescoop.adapters.postgres.rooms import PostgresRoomRepository
from lynriescoop.adapters.postgres.showings import PostgresShowingRepository
from lynriescoop.adapters.postgres.tables import outbox
from lynriescoop.adapters.postgres.tickets import PostgresTicketRepository
from lynriescoop.adapters.postgres.users import PostgresUserRepository
from lynriescoop.application.ports.outbox import EventRouter
from lynriescoop.application.ports.unit_of_work import UnitOfWork
from lynriescoop.domain.events import DomainEvent


class PostgresUnitOfWork(UnitOfWork):
    def __init__(self, session_factory: async_sessionmaker[AsyncSession], router: EventRouter) -> None:
        self._session_factory = session_factory
        self._router = router
        self._events: list[DomainEvent] = []
        self._session: AsyncSession | None = None

    @property
    def session(self) -> AsyncSession:
        if self._session is None:
            raise RuntimeError("the unit of work is not entered")
        return self._session

    async def __aenter__(self) -> Self:
        self._session = self._session_factory()
        self._events = []
        await self._session.begin()
        self.users = PostgresUserRepository(self._session)
        self.refresh_tokens = PostgresRefreshTokenRepository(self._session)
        self.login_attempts = PostgresLoginAttemptRepository(self._session)
        self.bookings = PostgresBookingRepository(self._session)
        self.movies = PostgresMovieRepository(self._session)
        self.rooms = PostgresRoomRepository(self._session)
        self.showings = PostgresShowingRepository(self._session)
        self.seat_maps = PostgresSeatMapReader(self._session)
        self.showing_views = PostgresShowingReader(self._session)
        self.outbox = PostgresOutboxRepository(self._session)
        self.tickets = PostgresTicketRepository(self._session)
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        session = self.session
        try:
            if session.in_transaction():
                await session.rollback()
        finally:
            await session.close()
            self._session = None

    def record(self, *events: DomainEvent) -> None:
        self._events.extend(events)

    async def commit(self) -> None:
        session = self.session
        rows = [message for event in self._events for message in self._router(event)]
        if rows:
            await session.execute(
                outbox.insert(),
                [
                    {
                        "channel": m.channel.value,
                        "kind": m.kind,
                        "destination": m.destination,
                        "payload": dict(m.payload),
                        "retain": m.retain,
                        "showing_id": m.showing_id,
                        "version": m.version,
                    }
                    for m in rows
                ],
            )
            # Delivered by PostgreSQL only if and when this transaction commits.
            await session.execute(select(func.pg_notify(OUTBOX_CHANNEL, "")))
        self._events = []
        await session.commit()

    async def rollback(self) -> None:
        self._events = []
        await self.session.rollback()
