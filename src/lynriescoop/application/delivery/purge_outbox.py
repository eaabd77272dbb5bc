"""Forget what the outbox has delivered: sent rows older than the retention (``OUTBOX_RETENTION_DAYS``)."""

from __future__ import annotations

from datetime import timedelta

from lynriescoop.application.ports.clock import Clock
from lynriescoop.application.ports.unit_of_work import UnitOfWorkFactory

BATCH = 5000


class PurgeOutbox:
    """One pass of the outbox purger (run every ``OUTBOX_PURGE_SECONDS``): rows sent more than ``retention`` ago
    are deleted, in batches of 5,000 (one short transaction each) until none is left. Pending rows are never
    touched, and failed rows stay for the operators (``GET /admin/outbox?status=failed``) until they retry them.
    Returns how many rows went."""

    def __init__(self, uow_factory: UnitOfWorkFactory, clock: Clock, retention: timedelta) -> None:
        self._uow_factory = uow_factory
        self._clock = clock
        self._retention = retention

    async def __call__(self) -> int:
        before = self._clock.now() - self._retention
        purged = 0
        while True:
            async with self._uow_factory() as uow:
                count = await uow.outbox.purge_sent(before, BATCH)
                await uow.commit()
            purged += count
            if count < BATCH:
                return purged
