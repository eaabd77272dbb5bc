"""Which outbox messages announce which domain event (API.md §8 and §9).

The routing is a pure function so the in-memory and PostgreSQL units of work write the same rows.
"""

from __future__ import annotations

from collections.abc import Sequence

from lynriescoop.application.ports.outbox import OutboxMessage
from lynriescoop.domain.events import DomainEvent


def route_event(event: DomainEvent) -> Sequence[OutboxMessage]:
    """Outbox messages for ``event``; events with no audience outside the service produce none."""
    return ()
