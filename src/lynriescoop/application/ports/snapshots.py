"""What the relay reads at publish time to build the retained MQTT messages (seat snapshot, showing update)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Protocol
from uuid import UUID


@dataclass(frozen=True, slots=True)
class SeatSnapshot:
    """The whole seat map of a showing at one version: every seat with its status, front row first.

    ``seats_json`` is the JSON array of ``{seat_id, label, status}`` as the reader rendered it (the database, for
    PostgreSQL): the relay sends one per showing it touched, so it is never taken apart and put together again.
    """

    showing_id: UUID
    version: int
    available_seats: int
    seats_json: bytes


@dataclass(frozen=True, slots=True)
class ShowingSummary:
    """A showing as ``showing/update`` announces it. ``status`` is as clients see it (``completed`` after the end)."""

    showing_id: UUID
    status: str
    start_time: datetime
    end_time: datetime
    price: Decimal
    capacity: int
    available_seats: int


class SnapshotSource(Protocol):
    """Current state, read in one query each. ``now`` decides which holds still hold."""

    async def seat_snapshots(self, showing_ids: Sequence[UUID], now: datetime) -> Mapping[UUID, SeatSnapshot]:
        """The seat snapshot of each of ``showing_ids`` that exists (a deleted showing is missing), in one read."""
        ...

    async def showing_summary(self, showing_id: UUID, now: datetime) -> ShowingSummary | None:
        """None when the showing does not exist (any more)."""
        ...
