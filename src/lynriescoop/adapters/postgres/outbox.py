"""The outbox in PostgreSQL, as operators manage it (API.md §7): list, get, queue again."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Row, and_, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from lynriescoop.adapters.postgres.errors import OUTBOX_CHANNEL
from lynriescoop.adapters.postgres.tables import outbox
from lynriescoop.application.ports.outbox import (
    OutboxChannel,
    OutboxEntry,
    OutboxFilter,
    OutboxRepository,
    OutboxStatus,
)
from lynriescoop.application.ports.repositories import Page

_COLUMNS = (
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


def _to_entry(row: Row[Any]) -> OutboxEntry:
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
            select(*_COLUMNS).where(where).order_by(outbox.c.id.desc()).limit(limit).offset(offset)
        )
        return Page([_to_entry(r) for r in rows], total, limit, offset)

    async def get(self, entry_id: int) -> OutboxEntry | None:
        row = (await self._session.execute(select(*_COLUMNS).where(outbox.c.id == entry_id))).first()
        return _to_entry(row) if row else None

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
            .returning(*_COLUMNS)
        )
        row = (await self._session.execute(stmt)).first()
        if row is None:
            return None
        # Delivered with the commit, like the unit of work's own notification.
        await self._session.execute(select(func.pg_notify(OUTBOX_CHANNEL, "")))
        return _to_entry(row)
