"""The in-memory unit of work: works on a copy of the state and swaps it in on commit."""

from __future__ import annotations

from types import TracebackType
from typing import Self

from lynriescoop.adapters.memory.bookings import MemoryBookingRepository
from lynriescoop.adapters.memory.catalogue_views import MemorySeatMapReader, MemoryShowingReader
from lynriescoop.adapters.memory.delivery import MemoryOutboxRepository, stamp_outbox_rows
from lynriescoop.adapters.memory.login_attempts import MemoryLoginAttemptRepository
from lynriescoop.adapters.memory.movies import MemoryMovieRepository
from lynriescoop.adapters.memory.refresh_tokens import MemoryRefreshTokenRepository
from lynriescoop.adapters.memory.rooms import MemoryRoomRepository
from lynriescoop.adapters.memory.showings import MemoryShowingRepository
from lynriescoop.adapters.memory.store import MemoryState, MemoryStore
from lynriescoop.adapters.memory.tickets import MemoryTicketRepository
from lynriescoop.adapters.memory.users import MemoryUserRepository
from lynriescoop.application.ports.delivery import EventRouter
from lynriescoop.application.ports.unit_of_work import UnitOfWork, collect_events
from lynriescoop.domain.events import DomainEvent


class MemoryUnitOfWork(UnitOfWork):
    def __init__(self, store: MemoryStore, router: EventRouter) -> None:
        self._store = store
        self._router = router
        self._events: list[DomainEvent] = []
        self._working: MemoryState | None = None
        self.committed_events: list[DomainEvent] = []

    async def __aenter__(self) -> Self:
        await self._store.lock.acquire()
        self._working = self._store.state.snapshot()
        self._events = []
        self._attach(self._working)
        return self

    def _attach(self, state: MemoryState) -> None:
        """Point every repository at ``state`` (the working copy of this transaction)."""
        self.users = MemoryUserRepository(state)
        self.refresh_tokens = MemoryRefreshTokenRepository(state)
        self.login_attempts = MemoryLoginAttemptRepository(state)
        self.bookings = MemoryBookingRepository(state)
        self.movies = MemoryMovieRepository(state)
        self.rooms = MemoryRoomRepository(state)
        self.showings = MemoryShowingRepository(state)
        self.seat_maps = MemorySeatMapReader(state)
        self.showing_views = MemoryShowingReader(state)
        self.outbox = MemoryOutboxRepository(state)
        self.tickets = MemoryTicketRepository(state)

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self._working = None
        self._events = []
        self._store.lock.release()

    def record(self, *events: DomainEvent) -> None:
        self._events.extend(events)

    async def commit(self) -> None:
        if self._working is None:
            raise RuntimeError("the unit of work is not entered")
        events, versions = collect_events(self, self._events)
        for showing_id, version in versions.items():
            self._working.showings[showing_id].seat_version = version
        self._working.outbox.extend(m for e in events for m in self._router(e))
        stamp_outbox_rows(self._working)
        self.committed_events.extend(events)
        self._events = []
        self._store.state = self._working
        self._working = self._store.state.snapshot()
        self._attach(self._working)

    async def rollback(self) -> None:
        self._events = []
        self._working = self._store.state.snapshot()
        self._attach(self._working)
