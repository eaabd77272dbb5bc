"""The outbox row as operators see it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from lynriescoop.application.ports.delivery import OutboxChannel, OutboxEntry, OutboxStatus


@dataclass(frozen=True, slots=True)
class OutboxEntryView:
    """``topic_or_recipient``: the full MQTT topic (with ``MQTT_TOPIC_PREFIX``) or the email's recipient."""

    id: int
    channel: OutboxChannel
    kind: str
    topic_or_recipient: str
    status: OutboxStatus
    attempts: int
    last_error: str | None
    created_at: datetime
    sent_at: datetime | None

    @classmethod
    def of(cls, entry: OutboxEntry, topic_prefix: str) -> OutboxEntryView:
        target = topic_prefix + entry.destination if entry.channel is OutboxChannel.MQTT else entry.destination
        return cls(
            id=entry.id,
            channel=entry.channel,
            kind=entry.kind,
            topic_or_recipient=target,
            status=entry.status,
            attempts=entry.attempts,
            last_error=entry.last_error,
            created_at=entry.created_at,
            sent_at=entry.sent_at,
        )
