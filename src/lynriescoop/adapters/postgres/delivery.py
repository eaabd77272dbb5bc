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
from collections.abc import AsyncIterator, Mapping, Sequence
from contextlib import asynccontextmanager
from datetime import datetime
from typing import Any

import asyncpg  # type: ignore[import-untyped]
import orjson
from sqlalchemy import Row, and_, func, select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from lynriescoop.adapters.postgres.driver import connection_driver
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

# The relay's claim, one statement (docs/delivery.md, ordering): the first due rows, locked (SKIP LOCKED: another
# relay's rows are left to it); for MQTT also, per showing, a try at the showing's advisory lock (never waits) and
# the first pending row of that showing before the last one claimed that this relay did not claim. A row may go out
# when it has no showing, or when its showing's lock is ours and no such foreign row comes before it.
# $1 now, $2 limit, $3 the lock namespace.
_CLAIMED = """
      SELECT id, channel, kind, destination, payload::text AS payload, retain, showing_id, version, attempts
      FROM outbox
      WHERE status = 'pending' AND channel = '{channel}' AND available_at <= $1
      ORDER BY id LIMIT $2
      FOR UPDATE SKIP LOCKED
"""
_CLAIM_EMAIL = _CLAIMED.format(channel=OutboxChannel.EMAIL.value)
_CLAIM_MQTT = f"""
    WITH claimed AS MATERIALIZED ({_CLAIMED.format(channel=OutboxChannel.MQTT.value)}
    ), held AS MATERIALIZED (
      SELECT s.id, pg_try_advisory_xact_lock($3, hashtext(s.id::text)) AS locked
      FROM (SELECT DISTINCT showing_id AS id FROM claimed WHERE showing_id IS NOT NULL) AS s
    ), first_foreign AS (
      SELECT o.showing_id, min(o.id) AS first_id
      FROM outbox AS o
      WHERE o.status = 'pending' AND o.channel = '{OutboxChannel.MQTT.value}'
        AND o.showing_id IN (SELECT id FROM held WHERE locked)
        AND o.id <= (SELECT max(id) FROM claimed)
        AND NOT EXISTS (SELECT 1 FROM claimed AS c WHERE c.id = o.id)
      GROUP BY o.showing_id
    )
    SELECT c.*, (c.showing_id IS NULL OR (h.locked AND (f.first_id IS NULL OR c.id < f.first_id))) AS publishable
    FROM claimed AS c
    LEFT JOIN held AS h ON h.id = c.showing_id
    LEFT JOIN first_foreign AS f ON f.showing_id = c.showing_id
    ORDER BY c.id
"""  # noqa: S608 - built from constants only


def _message(row: Mapping[str, Any]) -> ClaimedMessage:
    return ClaimedMessage(
        id=row["id"],
        channel=OutboxChannel(row["channel"]),
        kind=row["kind"],
        destination=row["destination"],
        payload=orjson.loads(row["payload"]),
        retain=row["retain"],
        showing_id=row["showing_id"],
        version=row["version"],
        attempts=row["attempts"],
    )


# The marks, on the driver (one per batch, in the claim's transaction): SQLAlchemy rendered the id list anew for every
# batch size. $1 ids, $2 when it was sent.
_MARK_SENT = "UPDATE outbox SET status = 'sent', sent_at = $2, attempts = attempts + 1 WHERE id = ANY($1::bigint[])"
# $1 id, $2 attempts, $3 error, $4 when to retry (NULL: failed for good).
_MARK_FAILED = """
    UPDATE outbox
    SET attempts = $2, last_error = $3,
        status = CASE WHEN $4::timestamptz IS NULL THEN 'failed' ELSE 'pending' END,
        available_at = COALESCE($4::timestamptz, available_at)
    WHERE id = $1
"""


class _PostgresBatch:
    def __init__(self, driver: asyncpg.Connection, messages: Sequence[ClaimedMessage], held_back: int) -> None:
        self._driver = driver
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
        await self._driver.execute(_MARK_SENT, list(ids), at)

    async def mark_failed(self, message_id: int, *, attempts: int, error: str, retry_at: datetime | None) -> None:
        await self._driver.execute(_MARK_FAILED, message_id, attempts, error, retry_at)


class PostgresOutboxClaimer(OutboxClaimer):
    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine

    @asynccontextmanager
    async def claim(self, channel: OutboxChannel, now: datetime, limit: int) -> AsyncIterator[_PostgresBatch]:
        async with self._engine.connect() as conn, conn.begin():
            driver = await connection_driver(conn)
            if channel is OutboxChannel.MQTT:
                rows = await driver.fetch(_CLAIM_MQTT, now, limit, SHOWING_LOCK_NAMESPACE)
                publishable = [row for row in rows if row["publishable"]]
            else:
                rows = publishable = await driver.fetch(_CLAIM_EMAIL, now, limit)
            yield _PostgresBatch(driver, [_message(r) for r in publishable], len(rows) - len(publishable))


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
