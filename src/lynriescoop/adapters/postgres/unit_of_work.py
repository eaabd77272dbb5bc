"""The PostgreSQL unit of work: one session, one transaction, outbox rows written with the change."""

from __future__ import annotations

from types import TracebackType
from typing import Self
from uuid import UUID

import orjson
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from lynriescoop.adapters.postgres.bookings import PostgresBookingRepository
from lynriescoop.adapters.postgres.catalogue_views import PostgresSeatMapReader, PostgresShowingReader
from lynriescoop.adapters.postgres.change_feed import (
    CHANGES_CHANNEL,
    CatalogueChange,
    ChangeFeed,
    change_of_writes,
    notify_payload,
)
from lynriescoop.adapters.postgres.delivery import OUTBOX_CHANNEL, PostgresOutboxRepository
from lynriescoop.adapters.postgres.driver import driver_connection
from lynriescoop.adapters.postgres.engine import written_tables
from lynriescoop.adapters.postgres.errors import database_errors, translate_database_error
from lynriescoop.adapters.postgres.login_attempts import PostgresLoginAttemptRepository
from lynriescoop.adapters.postgres.movies import PostgresMovieRepository
from lynriescoop.adapters.postgres.refresh_tokens import PostgresRefreshTokenRepository
from lynriescoop.adapters.postgres.rooms import PostgresRoomRepository
from lynriescoop.adapters.postgres.showings import PostgresShowingRepository
from lynriescoop.adapters.postgres.tickets import PostgresTicketRepository
from lynriescoop.adapters.postgres.users import PostgresUserRepository
from lynriescoop.application.ports.delivery import EventRouter
from lynriescoop.application.ports.unit_of_work import UnitOfWork, collect_events
from lynriescoop.domain.events import DomainEvent

# The outbox rows (in order: ids follow the list), the seat versions the locked showings raised, and both
# notifications, in one round trip on the driver.
_WRITE_OUTBOX = """
    WITH written AS (
      INSERT INTO outbox (channel, kind, destination, payload, retain, showing_id, version)
      SELECT channel, kind, destination, payload::jsonb, retain, showing_id, version
      FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::bool[], $6::uuid[], $7::int[])
        WITH ORDINALITY AS u(channel, kind, destination, payload, retain, showing_id, version, position)
      ORDER BY position
    ), versions AS (
      UPDATE showings AS s SET seat_version = v.version
      FROM unnest($11::uuid[], $12::int[]) AS v(id, version)
      WHERE s.id = v.id
    )
    SELECT pg_notify($8, ''), CASE WHEN $10 <> '' THEN pg_notify($9, $10) END
"""


class PostgresUnitOfWork(UnitOfWork):
    """One session, one transaction. At commit it also tells the read caches what the transaction changed (see
    adapters/postgres/change_feed.py): the tables it wrote to, narrowed to the showings its events name."""

    def __init__(
        self,
        session_factory: async_sessionmaker[AsyncSession],
        router: EventRouter,
        changes: ChangeFeed | None = None,
    ) -> None:
        self._session_factory = session_factory
        self._router = router
        self._changes = changes
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
            async with database_errors():
                if session.in_transaction():
                    await session.rollback()
        finally:
            await session.close()
            self._session = None
        # A database failure leaves the unit of work as the domain error it means (DatabaseUnavailable,
        # ValueRefused), so every entrypoint answers it alike; anything else passes unchanged.
        translated = translate_database_error(exc) if exc is not None else None
        if translated is not None:
            raise translated from exc

    def _change(self, events: list[DomainEvent]) -> CatalogueChange:
        showing_ids = {sid for e in events if isinstance(sid := getattr(e, "showing_id", None), UUID)}
        return change_of_writes(written_tables(self.session), showing_ids)

    def record(self, *events: DomainEvent) -> None:
        self._events.extend(events)

    async def commit(self) -> None:
        session = self.session
        events, versions = collect_events(self, self._events)
        change = self._change(events) if self._changes is not None else CatalogueChange()
        rows = [message for event in events for message in self._router(event)]
        changes = notify_payload(self._changes, change) if self._changes is not None and not change.empty else None
        if rows or versions:
            # The outbox rows (in order: ids follow the list), the seat versions and both notifications in one
            # round trip; NOTIFY is delivered by PostgreSQL only if and when this transaction commits.
            driver = await driver_connection(session)
            await driver.execute(
                _WRITE_OUTBOX,
                [m.channel.value for m in rows],
                [m.kind for m in rows],
                [m.destination for m in rows],
                [orjson.dumps(dict(m.payload)).decode() for m in rows],
                [m.retain for m in rows],
                [m.showing_id for m in rows],
                [m.version for m in rows],
                OUTBOX_CHANNEL,
                CHANGES_CHANNEL,
                changes or "",
                list(versions),
                list(versions.values()),
            )
        elif changes is not None:
            await session.execute(select(func.pg_notify(CHANGES_CHANNEL, changes)))
        self._events = []
        written_tables(session).clear()
        await session.commit()
        if self._changes is not None:
            self._changes.publish(change)

    async def rollback(self) -> None:
        self._events = []
        written_tables(self.session).clear()
        await self.session.rollback()
