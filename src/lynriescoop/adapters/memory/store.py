"""The shared state behind the in-memory repositories: one object per test, copied in and out per transaction."""

from __future__ import annotations

import asyncio
import copy
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from uuid import UUID

from lynriescoop.application.ports.delivery import OutboxMessage, OutboxStatus
from lynriescoop.domain.bookings import Booking
from lynriescoop.domain.movies import Movie
from lynriescoop.domain.rooms import Room
from lynriescoop.domain.showings import Showing
from lynriescoop.domain.tickets import Ticket
from lynriescoop.domain.users import RefreshToken, User


@dataclass
class OutboxRowState:
    """Delivery state of one in-memory outbox row (the row's id is its position in ``outbox`` plus one)."""

    created_at: datetime
    available_at: datetime
    status: OutboxStatus = OutboxStatus.PENDING
    attempts: int = 0
    last_error: str | None = None
    sent_at: datetime | None = None
    claimed: bool = False


@dataclass
class MemoryState:
    """Every table of the in-memory database. Repositories read and write these; the UoW copies them."""

    users: dict[UUID, User] = field(default_factory=dict)
    refresh_tokens: dict[UUID, RefreshToken] = field(default_factory=dict)
    login_attempts: dict[int, tuple[str, datetime]] = field(default_factory=dict)
    movies: dict[UUID, Movie] = field(default_factory=dict)
    rooms: dict[UUID, Room] = field(default_factory=dict)
    showings: dict[UUID, Showing] = field(default_factory=dict)
    bookings: dict[UUID, Booking] = field(default_factory=dict)
    idempotency: dict[tuple[UUID, str], dict[str, Any]] = field(default_factory=dict)
    outbox: list[OutboxMessage] = field(default_factory=list)
    outbox_rows: dict[int, OutboxRowState] = field(default_factory=dict)
    outbox_purged: set[int] = field(default_factory=set)  # ids of purged rows (positions in ``outbox`` stay)
    tickets: dict[UUID, Ticket] = field(default_factory=dict)

    def snapshot(self) -> MemoryState:
        return copy.deepcopy(self)


@dataclass
class MemoryStore:
    """Committed state plus a lock: one in-memory transaction at a time, like SERIALIZABLE."""

    state: MemoryState = field(default_factory=MemoryState)
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
