"""Outbox messages: what the unit of work writes at commit and the relay later delivers."""

from __future__ import annotations

import enum
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any
from uuid import UUID

from lynriescoop.domain.events import DomainEvent


class OutboxChannel(enum.StrEnum):
    MQTT = "mqtt"
    EMAIL = "email"


class OutboxStatus(enum.StrEnum):
    PENDING = "pending"
    SENT = "sent"
    FAILED = "failed"


@dataclass(frozen=True, slots=True)
class OutboxMessage:
    """One message to deliver: an MQTT publish (``destination`` is the topic without prefix) or an email
    (``destination`` is the recipient). ``showing_id`` and ``version`` order the per-showing MQTT stream."""

    channel: OutboxChannel
    destination: str
    payload: Mapping[str, Any]
    retain: bool = False
    showing_id: UUID | None = None
    version: int | None = None
    kind: str = field(default="")


EventRouter = Callable[[DomainEvent], Sequence[OutboxMessage]]
"""Turns one domain event into the outbox messages that announce it (none for an internal event)."""
