"""The relay's view of the current state, read through the catalogue's read models (the same ones behind
``GET /showings/{id}`` and ``GET /showings/{id}/seats``), so a retained message always matches what HTTP shows."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from lynriescoop.application.ports.snapshots import SeatSnapshot, ShowingSummary
from lynriescoop.application.ports.unit_of_work import UnitOfWorkFactory
from lynriescoop.domain.events import SeatState


class ReadModelSnapshotSource:
    """Implements ``SnapshotSource`` with one short read-only unit of work per read."""

    def __init__(self, uow_factory: UnitOfWorkFactory) -> None:
        self._uow_factory = uow_factory

    async def seat_snapshot(self, showing_id: UUID, now: datetime) -> SeatSnapshot | None:
        async with self._uow_factory() as uow:
            seat_map = await uow.seat_maps.seat_map(showing_id, now)
        if seat_map is None:
            return None
        return SeatSnapshot(
            showing_id=showing_id,
            version=seat_map.version,
            available_seats=seat_map.available_seats,
            seats=tuple(SeatState(s.seat_id, s.label, s.status.value) for s in seat_map.seats),
        )

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
