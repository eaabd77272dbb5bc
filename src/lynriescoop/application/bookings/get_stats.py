"""Management figures."""

from __future__ import annotations

from datetime import datetime

from lynriescoop.application.ports.bookings import Stats, StatsReader
from lynriescoop.application.ports.clock import Clock
from lynriescoop.domain.errors import RuleViolated


class GetStats:
    """Sales, holds, occupancy and top movies over showings starting in [``start``, ``end``) (default: the
    coming week). Cancelled and expired bookings never count; sold seats are those of confirmed or completed
    bookings; revenue is the sum of their seat prices."""

    def __init__(self, reader: StatsReader, clock: Clock) -> None:
        self._reader = reader
        self._clock = clock

    async def __call__(self, start: datetime | None, end: datetime | None) -> Stats:
        if start is not None and end is not None and end <= start:
            raise RuleViolated("`to` must be after `from`.", code="validation_error")
        return await self._reader.stats(start, end, self._clock.now())
