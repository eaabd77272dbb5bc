"""Delivery in memory: the outbox for operators and the relay's claimer.

Row ids are positions in ``MemoryState.outbox`` plus one; ``MemoryState.outbox_rows`` holds each row's delivery
state, stamped by the unit of work at commit (:func:`stamp_outbox_rows`).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from uuid import UUID

from lynriescoop.adapters.memory.store import MemoryState, MemoryStore, OutboxRowState
from lynriescoop.application.ports.delivery import (
    ClaimedMessage,
    OutboxChannel,
    OutboxClaimer,
    OutboxEntry,
    OutboxFilter,
    OutboxRepository,
    OutboxStatus,
)
from lynriescoop.application.ports.repositories import Page


def stamp_outbox_rows(state: MemoryState, now: datetime | None = None) -> None:
    """Give every new outbox row its delivery state: pending, due now."""
    moment = now or datetime.now(UTC)
    for entry_id in range(1, len(state.outbox) + 1):
        if entry_id not in state.outbox_rows:
            state.outbox_rows[entry_id] = OutboxRowState(created_at=moment, available_at=moment)


def _entry(state: MemoryState, entry_id: int) -> OutboxEntry:
    message, row = state.outbox[entry_id - 1], state.outbox_rows[entry_id]
    return OutboxEntry(
        id=entry_id,
        channel=message.channel,
        kind=message.kind,
        destination=message.destination,
        status=row.status,
        attempts=row.attempts,
        last_error=row.last_error,
        available_at=row.available_at,
        created_at=row.created_at,
        sent_at=row.sent_at,
    )


class MemoryOutboxRepository(OutboxRepository):
    def __init__(self, state: MemoryState) -> None:
        self._state = state
        stamp_outbox_rows(state)

    async def list(self, filters: OutboxFilter, limit: int, offset: int) -> Page[OutboxEntry]:
        found = [
            entry
            for entry in (
                _entry(self._state, i)
                for i in range(len(self._state.outbox), 0, -1)
                if i not in self._state.outbox_purged
            )
            if (filters.status is None or entry.status is filters.status)
            and (filters.channel is None or entry.channel is filters.channel)
        ]
        return Page(found[offset : offset + limit], len(found), limit, offset)

    def _exists(self, entry_id: int) -> bool:
        return 1 <= entry_id <= len(self._state.outbox) and entry_id not in self._state.outbox_purged

    async def get(self, entry_id: int) -> OutboxEntry | None:
        return _entry(self._state, entry_id) if self._exists(entry_id) else None

    async def requeue(self, entry_id: int, now: datetime) -> OutboxEntry | None:
        if not self._exists(entry_id):
            return None
        row = self._state.outbox_rows[entry_id]
        row.status, row.available_at, row.attempts, row.sent_at = OutboxStatus.PENDING, now, 0, None
        return _entry(self._state, entry_id)

    async def purge_sent(self, sent_before: datetime, limit: int) -> int:
        old = [
            entry_id
            for entry_id, row in sorted(self._state.outbox_rows.items())
            if self._exists(entry_id)
            and row.status is OutboxStatus.SENT
            and row.sent_at is not None
            and row.sent_at < sent_before
        ][:limit]
        self._state.outbox_purged.update(old)
        return len(old)


class _MemoryBatch:
    """Keeps its marks until the claim ends normally, like the transaction of the PostgreSQL batch."""

    def __init__(self, messages: Sequence[ClaimedMessage], held_back: int) -> None:
        self._messages = messages
        self._held_back = held_back
        self.marks: list[Callable[[MemoryState], None]] = []

    @property
    def messages(self) -> Sequence[ClaimedMessage]:
        return self._messages

    @property
    def held_back(self) -> int:
        return self._held_back

    async def mark_sent(self, ids: Sequence[int], at: datetime) -> None:
        def apply(state: MemoryState) -> None:
            for entry_id in ids:
                row = state.outbox_rows[entry_id]
                row.status, row.sent_at, row.attempts = OutboxStatus.SENT, at, row.attempts + 1

        self.marks.append(apply)

    async def mark_failed(self, message_id: int, *, attempts: int, error: str, retry_at: datetime | None) -> None:
        def apply(state: MemoryState) -> None:
            row = state.outbox_rows[message_id]
            row.attempts, row.last_error = attempts, error
            if retry_at is None:
                row.status = OutboxStatus.FAILED
            else:
                row.available_at = retry_at

        self.marks.append(apply)


class MemoryOutboxClaimer(OutboxClaimer):
    """Claims like the PostgreSQL one: due pending rows in id order, rows another relay holds skipped, and, for a
    showing, nothing after an earlier pending row that this batch does not hold. The store lock is taken only
    for each step (never across a batch), as a database would lock only the claimed rows."""

    def __init__(self, store: MemoryStore) -> None:
        self._store = store

    @asynccontextmanager
    async def claim(self, channel: OutboxChannel, now: datetime, limit: int) -> AsyncIterator[_MemoryBatch]:
        async with self._store.lock:
            state = self._store.state
            stamp_outbox_rows(state)
            claimed = [
                i
                for i in range(1, len(state.outbox) + 1)
                if state.outbox[i - 1].channel is channel
                and state.outbox_rows[i].status is OutboxStatus.PENDING
                and not state.outbox_rows[i].claimed
                and state.outbox_rows[i].available_at <= now
            ][:limit]
            publishable = self._in_order(state, claimed) if channel is OutboxChannel.MQTT else claimed
            for i in claimed:
                state.outbox_rows[i].claimed = True
            messages = [self._message(state, i) for i in publishable]
        batch = _MemoryBatch(messages, len(claimed) - len(publishable))
        try:
            yield batch
        except BaseException:
            batch.marks.clear()
            raise
        finally:
            async with self._store.lock:
                for mark in batch.marks:
                    mark(self._store.state)
                for i in claimed:
                    self._store.state.outbox_rows[i].claimed = False

    @staticmethod
    def _in_order(state: MemoryState, claimed: list[int]) -> list[int]:
        mine = set(claimed)
        blocked: set[UUID] = set()
        keep: list[int] = []
        for i in range(1, max(claimed, default=0) + 1):
            message, row = state.outbox[i - 1], state.outbox_rows[i]
            if message.channel is not OutboxChannel.MQTT or row.status is not OutboxStatus.PENDING:
                continue
            showing = message.showing_id
            if i not in mine:
                if showing is not None:
                    blocked.add(showing)
            elif showing is None or showing not in blocked:
                keep.append(i)
        return keep

    @staticmethod
    def _message(state: MemoryState, entry_id: int) -> ClaimedMessage:
        message, row = state.outbox[entry_id - 1], state.outbox_rows[entry_id]
        return ClaimedMessage(
            id=entry_id,
            channel=message.channel,
            kind=message.kind,
            destination=message.destination,
            payload=dict(message.payload),
            retain=message.retain,
            showing_id=message.showing_id,
            version=message.version,
            attempts=row.attempts,
        )
