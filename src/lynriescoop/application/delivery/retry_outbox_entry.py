"""Queue one outbox row again."""

from __future__ import annotations

from dataclasses import dataclass

from lynriescoop.application.delivery.views import OutboxEntryView
from lynriescoop.application.ports.clock import Clock
from lynriescoop.application.ports.unit_of_work import UnitOfWorkFactory
from lynriescoop.domain.errors import OutboxEntryNotFound


@dataclass(frozen=True, slots=True)
class RetryOutboxEntryCommand:
    entry_id: int


class RetryOutboxEntry:
    """Queue an outbox row again, typically an email that ended ``failed``.

    - The row becomes ``pending``, due now, with ``attempts`` back to 0 (a failed email gets its full five tries
      again); ``last_error`` is kept until the next attempt replaces it; the relays are woken at once.
    - Any status may be queued again: a ``sent`` row is sent once more (deliveries are at least once anyway).
    - An unknown id: 404 ``outbox_entry_not_found``.
    """

    def __init__(self, uow_factory: UnitOfWorkFactory, clock: Clock, topic_prefix: str = "") -> None:
        self._uow_factory = uow_factory
        self._clock = clock
        self._topic_prefix = topic_prefix

    async def __call__(self, command: RetryOutboxEntryCommand) -> OutboxEntryView:
        async with self._uow_factory() as uow:
            entry = await uow.outbox.requeue(command.entry_id, self._clock.now())
            if entry is None:
                raise OutboxEntryNotFound()
            await uow.commit()
        return OutboxEntryView.of(entry, self._topic_prefix)
