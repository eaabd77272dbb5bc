"""The relay's view of the current state, read through the catalogue's read models (the same ones behind
``GET /showings/{id}`` and ``GET /showings/{id}/seats``), so a retained message always matches what HTTP shows."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from uuid import UUID

from lynriescoop.application.ports.delivery import SeatSnapshot, ShowingSummary, SnapshotSource
from lynriescoop.application.ports.unit_of_work import UnitOfWorkFactory


class ReadModelSnapshotSource(SnapshotSource):
    """Implements ``SnapshotSource`` with one short read-only unit of work per read."""

    def __init__(self, uow_factory: UnitOfWorkFactory) -> None:
        self._uow_factory = uow_factory

    async def seat_snapshots(self, showing_ids: Sequence[UUID], now: datetime) -> Mapping[UUID, SeatSnapshot]:
        """Every snapshot of a relay batch in one read."""
        async with self._uow_factory() as uow:
            return await uow.seat_maps.seat_snapshots(showing_ids, now)

    async def showing_summary(self, showing_id: UUID, now: datetime) -> ShowingSummary | None:
        async with self._uow_factory() as uow:
            view = await uow.showing_views.view(showing_id, now)
        if view is None:
            return None
        return ShowingSummary(
            showing_id=showing_id,
            status=view.status.value,
            start_time=view.showing.start_time,
            end_time=view.showing.end_time,
            price=view.showing.price,
            capacity=view.capacity,
            available_seats=view.available_seats,
        )
