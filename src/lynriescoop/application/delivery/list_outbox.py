"""List outbox rows for operators."""

from __future__ import annotations

from dataclasses import dataclass

from lynriescoop.application.delivery.views import OutboxEntryView
from lynriescoop.application.ports.delivery import OutboxChannel, OutboxFilter, OutboxStatus
from lynriescoop.application.ports.repositories import Page
from lynriescoop.application.ports.unit_of_work import UnitOfWorkFactory


@dataclass(frozen=True, slots=True)
class ListOutboxQuery:
    status: OutboxStatus | None = None
    channel: OutboxChannel | None = None
    limit: int = 20
    offset: int = 0


class ListOutbox:
    """Outbox rows (MQTT messages and emails), newest first: by id, descending.

    - Filters by ``status`` (pending, failed, sent) and ``channel`` (mqtt, email); both optional.
    - An MQTT row shows its full topic, with ``MQTT_TOPIC_PREFIX``; an email row shows its recipient.
    - ``id`` is the row's integer id, the one ``POST /admin/outbox/{id}/retry`` takes.
    """

    def __init__(self, uow_factory: UnitOfWorkFactory, topic_prefix: str = "") -> None:
        self._uow_factory = uow_factory
        self._topic_prefix = topic_prefix

    async def __call__(self, query: ListOutboxQuery) -> Page[OutboxEntryView]:
        async with self._uow_factory() as uow:
            page = await uow.outbox.list(OutboxFilter(query.status, query.channel), query.limit, query.offset)
        items = [OutboxEntryView.of(entry, self._topic_prefix) for entry in page.items]
        return Page(items, page.total, page.limit, page.offset)
