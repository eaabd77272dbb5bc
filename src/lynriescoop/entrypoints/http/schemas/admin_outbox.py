"""Schemas of the outbox routes (API.md §7)."""

from __future__ import annotations

from datetime import datetime
from typing import Self

from pydantic import BaseModel, Field

from lynriescoop.application.delivery.views import OutboxEntryView
from lynriescoop.application.ports.delivery import OutboxChannel, OutboxStatus
from lynriescoop.application.ports.repositories import Page


class OutboxEntry(BaseModel):
    id: int = Field(description="The row's integer id (the outbox's own sequence, not a UUID).")
    channel: OutboxChannel
    topic_or_recipient: str = Field(description="The full MQTT topic (with MQTT_TOPIC_PREFIX) or the email recipient.")
    status: OutboxStatus
    attempts: int = Field(description="Delivery attempts so far, the successful one included.")
    last_error: str | None = Field(description="The last delivery error, short; kept after a later success.")
    created_at: datetime
    sent_at: datetime | None

    @classmethod
    def of(cls, view: OutboxEntryView) -> Self:
        return cls(
            id=view.id,
            channel=view.channel,
            topic_or_recipient=view.topic_or_recipient,
            status=view.status,
            attempts=view.attempts,
            last_error=view.last_error,
            created_at=view.created_at,
            sent_at=view.sent_at,
        )


class OutboxPage(BaseModel):
    items: list[OutboxEntry]
    total: int
    limit: int
    offset: int

    @classmethod
    def of(cls, page: Page[OutboxEntryView]) -> Self:
        return cls(
            items=[OutboxEntry.of(v) for v in page.items], total=page.total, limit=page.limit, offset=page.offset
        )
