"""Delivery in PostgreSQL: the outbox as operators manage it, the relay's claim on due rows, and the LISTEN
connection that wakes the relay (the unit of work writes the rows and sends the NOTIFY, see unit_of_work.py).

Claiming (one transaction per batch):
- ``SELECT ... FOR UPDATE SKIP LOCKED`` takes due pending rows of one channel in id order: several relays never
  hold the same row, so a row is sent once in the normal case (at least once if a process dies mid-batch).
- MQTT only: for each showing in the batch, ``pg_try_advisory_xact_lock`` (key: this namespace and the showing
  id's hash); a showing locked by another relay is left to it. Then, for each showing this relay holds, only the
  claimed rows before the first pending row of that showing that this relay did NOT claim (another relay's, or
  one waiting for its back-off) may go out. Together: a showing's messages leave in id order, which is version
  order, whatever the number of relays. This relies on the writers: rows of one showing are committed in id
  order, which holds because every seat change bumps the showing's ``seat_version`` under its row lock.
- The marks (sent, failed) are written in the same transaction; if it dies, the rows are simply due again.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from datetime import datetime
from typing import Any
from uuid import UUID

from sqlalchemy import Row, and_, bindparam, func, select, text
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.dialects.postgresql import UUID as PG_UUID
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncSession

from lynriescoop.adapters.postgres.listening import ListeningConnection
from lynriescoop.adapters.postgres.tables import outbox
from lynriescoop.application.ports.delivery import (
    ClaimedMessage,
    OutboxChannel,
    OutboxClaimer,
    OutboxEntry,
    OutboxFilter,
    OutboxRepository,
    OutboxSignal,
    OutboxStatus,
)
from lynriescoop.application.ports.repositories import Page

logger = logging.getLogger(__name__)

# The NOTIFY channel of the outbox: the unit of work notifies it with the rows it wrote (delivered only if the
# transaction commits), a requeue does too, and the relay's listener LISTENs on it.
OUTBOX_CHANNEL = "lynriescoop_outbox"

# --- The outbox as operators manage it (API.md §7): list, get, queue again, purge ---

_ENTRY_COLUMNS = (
    outbox.c.id,
    outbox.c.channel,
    outbox.c.kind,
    outbox.c.destination,
    outbox.c.status,
    outbox.c.attempts,
    outbox.c.last_error,
    outbox.c.available_at,
    outbox.c.created_at,
    outbox.c.sent_at,
)


def _entry(row: Row[Any]) -> OutboxEntry:
    return OutboxEntry(
        id=row.id,
        channel=OutboxChannel(row.channel),
        kind=row.kind,
        destination=row.destination,
        status=OutboxStatus(row.status),
        attempts=row.attempts,
        last_error=row.last_error,
        available_at=row.available_at,
        created_at=row.created_at,
        sent_at=row.sent_at,
    )


class PostgresOutboxRepository(OutboxRepository):
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def list(self, filters: OutboxFilter, limit: int, offset: int) -> Page[OutboxEntry]:
        conditions = []
        if filters.status is not None:
            conditions.append(outbox.c.status == filters.status.value)
        if filters.channel is not None:
            conditions.append(outbox.c.channel == filters.channel.value)
        where = and_(True, *conditions)
        total = (await self._session.execute(select(func.count()).select_from(outbox).where(where))).scalar_one()
        rows = await self._session.execute(
            select(*_ENTRY_COLUMNS).where(where).order_by(outbox.c.id.desc()).limit(limit).offset(offset)
        )
        return Page([_entry(r) for r in rows], total, limit, offset)

    async def get(self, entry_id: int) -> OutboxEntry | None:
        row = (await self._session.execute(select(*_ENTRY_COLUMNS).where(outbox.c.id == entry_id))).first()
        return _entry(row) if row else None

    async def purge_sent(self, sent_before: datetime, limit: int) -> int:
        oldest = (
            select(outbox.c.id)
            .where(outbox.c.status == OutboxStatus.SENT.value, outbox.c.sent_at < sent_before)
            .order_by(outbox.c.id)
            .limit(limit)
            .scalar_subquery()
        )
        result = await self._session.execute(outbox.delete().where(outbox.c.id.in_(oldest)))
        return int(getattr(result, "rowcount", 0) or 0)

    async def requeue(self, entry_id: int, now: datetime) -> OutboxEntry | None:
        stmt = (
            outbox.update()
            .where(outbox.c.id == entry_id)
            .values(status=OutboxStatus.PENDING.value, available_at=now, attempts=0, sent_at=None)
            .returning(*_ENTRY_COLUMNS)
        )
        row = (await self._session.execute(stmt)).first()
        if row is None:
            return None
        # Delivered with the commit, like the unit of work's own notification.
        await self._session.execute(select(func.pg_notify(OUTBOX_CHANNEL, "")))
        return _entry(row)


# --- The relay's claim on due rows ---

# First key of the two-integer advisory locks of the relay ("LYNR"); the second is the showing id's hash.
SHOWING_LOCK_NAMESPACE = 0x4C594E52

_CLAIM_COLUMNS = (
    outbox.c.id,
    outbox.c.channel,
    outbox.c.kind,
    outbox.c.destination,
    outbox.c.payload,
    outbox.c.retain,
    outbox.c.showing_id,
    outbox.c.version,
    outbox.c.attempts,
)

_LOCK_SHOWINGS = text(
    "SELECT s.id, pg_try_advisory_xact_lock(:namespace, hashtext(s.id::text)) AS locked "
    "FROM unnest(:ids) AS s(id) ORDER BY s.id"
).bindparams(bindparam("ids", type_=ARRAY(PG_UUID(as_uuid=True))))


def _message(row: Row[Any]) -> ClaimedMessage:
    return ClaimedMessage(
        id=row.id,
        channel=OutboxChannel(row.channel),
        kind=row.kind,
        destination=row.destination,
        payload=row.payload,
        retain=row.retain,
        showing_id=row.showing_id,
        version=row.version,
        attempts=row.attempts,
    )


class _PostgresBatch:
    def __init__(self, conn: AsyncConnection, messages: Sequence[ClaimedMessage], held_back: int) -> None:
        self._conn = conn
        self._messages = messages
        self._held_back = held_back

    @property
    def messages(self) -> Sequence[ClaimedMessage]:
        return self._messages

    @property
    def held_back(self) -> int:
        return self._held_back

    async def mark_sent(self, ids: Sequence[int], at: datetime) -> None:
        if not ids:
            return
        await self._conn.execute(
            outbox.update()
            .where(outbox.c.id.in_(list(ids)))
            .values(status=OutboxStatus.SENT.value, sent_at=at, attempts=outbox.c.attempts + 1)
        )

    async def mark_failed(self, message_id: int, *, attempts: int, error: str, retry_at: datetime | None) -> None:
        await self._conn.execute(
            outbox.update()
            .where(outbox.c.id == message_id)
            .values(
                attempts=attempts,
                last_error=error,
                status=OutboxStatus.FAILED.value if retry_at is None else OutboxStatus.PENDING.value,
                available_at=retry_at if retry_at is not None else outbox.c.available_at,
            )
        )


class PostgresOutboxClaimer(OutboxClaimer):
    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine

    @asynccontextmanager
    async def claim(self, channel: OutboxChannel, now: datetime, limit: int) -> AsyncIterator[_PostgresBatch]:
        async with self._engine.connect() as conn, conn.begin():
            stmt = (
                select(*_CLAIM_COLUMNS)
                .where(
                    outbox.c.status == OutboxStatus.PENDING.value,
                    outbox.c.channel == channel.value,
                    outbox.c.available_at <= now,
                )
                .order_by(outbox.c.id)
                .limit(limit)
                .with_for_update(skip_locked=True)
            )
            rows = (await conn.execute(stmt)).all()
            publishable = await self._in_order(conn, rows) if channel is OutboxChannel.MQTT else list(rows)
            yield _PostgresBatch(conn, [_message(r) for r in publishable], len(rows) - len(publishable))

    @staticmethod
    async def _in_order(conn: AsyncConnection, rows: Sequence[Row[Any]]) -> list[Row[Any]]:
        """The claimed rows that may go out now, per the ordering rules in the module's docstring."""
        showing_ids = sorted({r.showing_id for r in rows if r.showing_id is not None})
        if not showing_ids:
            return list(rows)
        locks = await conn.execute(_LOCK_SHOWINGS, {"namespace": SHOWING_LOCK_NAMESPACE, "ids": showing_ids})
        held = {r.id for r in locks if r.locked}
        first_foreign: dict[UUID, int] = {}
        if held:
            mine = {r.id for r in rows}
            # Every pending row of the held showings up to the last one claimed, whoever holds it, due or not.
            pending = await conn.execute(
                select(outbox.c.id, outbox.c.showing_id)
                .where(
                    outbox.c.status == OutboxStatus.PENDING.value,
                    outbox.c.channel == OutboxChannel.MQTT.value,
                    outbox.c.showing_id.in_(sorted(held)),
                    outbox.c.id <= max(r.id for r in rows),
                )
                .order_by(outbox.c.id)
            )
            for row in pending:
                if row.id not in mine:
                    first_foreign.setdefault(row.showing_id, row.id)
        return [
            r
            for r in rows
            if r.showing_id is None or (r.showing_id in held and r.id < first_foreign.get(r.showing_id, r.id + 1))
        ]


# --- The wake-up: LISTEN on the outbox channel ---


class PostgresOutboxListener(ListeningConnection, OutboxSignal):
    """``LISTEN`` on the outbox channel over a dedicated connection, reconnecting (1 s doubling to 30 s) when it
    drops. Every subscriber's event is set on each notification, and once after each (re)connect, since
    notifications sent while disconnected are lost (the relay's poll would catch them later anyway)."""

    name = "outbox-listener"

    def __init__(
        self,
        dsn: str,
        *,
        channel: str = OUTBOX_CHANNEL,
        check_seconds: float = 30.0,
        backoff_initial: float = 1.0,
        backoff_max: float = 30.0,
    ) -> None:
        super().__init__(
            dsn, channel, check_seconds=check_seconds, backoff_initial=backoff_initial, backoff_max=backoff_max
        )
        self._events: list[asyncio.Event] = []

    def subscribe(self) -> asyncio.Event:
        event = asyncio.Event()
        self._events.append(event)
        return event

    def _wake(self) -> None:
        for event in self._events:
            event.set()

    def notified(self, payload: str) -> None:
        self._wake()

    def connected(self) -> None:
        self._wake()
