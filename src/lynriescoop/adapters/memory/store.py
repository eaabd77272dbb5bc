"""The shared state behind the in-memory repositories: one object per test, copied in and out per transaction."""

from __future__ import annotations

import asyncio
import copy
from dataclasses import dataclass, field
from uuid import UUID

from lynriescoop.application.ports.outbox import OutboxMessage
from lynriescoop.domain.users import User


@dataclass
class MemoryState:
    users: dict[UUID, User] = field(default_factory=dict)
    outbox: list[OutboxMessage] = field(default_factory=list)

    def snapshot(self) -> MemoryState:
        return copy.deepcopy(self)


@dataclass
class MemoryStore:
    """Committed state plus a lock: one in-memory transaction at a time, like SERIALIZABLE."""

    state: MemoryState = field(default_factory=MemoryState)
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
