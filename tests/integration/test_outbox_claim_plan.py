"""The relay's claim reads a channel's pending rows from their own partial index, whatever the sent rows kept before
them (migration 0005): the plan PostgreSQL picks with a week of sent rows ahead of the pending ones."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from lynriescoop.adapters.postgres.delivery import _CLAIM_EMAIL, _CLAIM_MQTT, SHOWING_LOCK_NAMESPACE

pytestmark = [pytest.mark.postgres]


def index_scans(plan: object) -> set[str]:
    found: set[str] = set()
    if isinstance(plan, dict):
        if "Index Name" in plan:
            found.add(str(plan["Index Name"]))
        for value in plan.values():
            found |= index_scans(value)
    elif isinstance(plan, list):
        for item in plan:
            found |= index_scans(item)
    return found


async def test_a_claim_reads_its_channels_pending_rows_by_their_partial_index(clean_db: AsyncEngine) -> None:
    async with clean_db.begin() as conn:
        # Sent rows first (the oldest ids), then a few pending of each channel: the primary key in id order would
        # walk past every sent row before it met a pending one.
        await conn.execute(
            text(
                "INSERT INTO outbox (channel, kind, destination, payload, status, showing_id, version, sent_at) "
                "SELECT CASE WHEN g % 2 = 0 THEN 'email' ELSE 'mqtt' END, 'k', 'd', '{}', 'sent', "
                "gen_random_uuid(), g, now() FROM generate_series(1, 6000) AS g"
            )
        )
        await conn.execute(
            text(
                "INSERT INTO outbox (channel, kind, destination, payload, showing_id, version) "
                "SELECT CASE WHEN g % 2 = 0 THEN 'email' ELSE 'mqtt' END, 'k', 'd', '{}', gen_random_uuid(), g "
                "FROM generate_series(1, 40) AS g"
            )
        )
        await conn.execute(text("ANALYZE outbox"))
    raw = await clean_db.raw_connection()
    try:
        driver = raw.driver_connection
        assert driver is not None
        now = datetime.now(UTC)
        for claim, args, index, batch in (
            (_CLAIM_EMAIL, (now, 10), "ix_outbox_pending_email_id", 10),
            (_CLAIM_MQTT, (now, 200, SHOWING_LOCK_NAMESPACE), "ix_outbox_pending_mqtt_id", 20),
        ):
            async with driver.transaction():
                explained = await driver.fetchval(f"EXPLAIN (FORMAT JSON) {claim}", *args)
                rows = await driver.fetch(claim, *args)
            used = index_scans(json.loads(explained) if isinstance(explained, str) else explained)
            assert index in used and "pk_outbox" not in used, used
            assert len(rows) == batch
    finally:
        raw.close()
