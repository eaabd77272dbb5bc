"""The relay's view of the current state, read through the catalogue's read models (the same ones behind
``GET /showings/{id}`` and ``GET /showings/{id}/seats``), so a retained message always matches what HTTP shows."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from uuid import UUID

import orjson

from lynriescoop.application.ports.read_models import EncodedSeatMap
from lynriescoop.application.ports.snapshots import SeatSnapshot, ShowingSummary
from lynriescoop.application.ports.unit_of_work import UnitOfWorkFactory
from lynriescoop.domain.events import SeatState
from lynriescoop.domain.seat_maps import SeatStatus


def _snapshot(encoded: EncodedSeatMap) -> SeatSnapshot:
    seats = tuple(
        SeatState(UUID(seat["seat_id"]), seat["label"], seat["status"])
        for seat in orjson.loads(encoded.document)["seats"]
    )
    return SeatSnapshot(
        showing_id=encoded.showing_id,
        version=encoded.version,
        available_seats=sum(1 for seat in seats if seat.status == SeatStatus.AVAILABLE),
        seats=seats,
    )


class ReadModelSnapshotSource:
    """Implements ``SnapshotSource`` with one short read-only unit of work per read."""

    def __init__(self, uow_factory: UnitOfWorkFactory) -> None:
        self._uow_factory = uow_factory

    async def seat_snapshots(self, showing_ids: Sequence[UUID], now: datetime) -> Mapping[UUID, SeatSnapshot]:
        """From the seat maps' encoded documents (rendered by the database, the cheap path): one unit of work."""
        found: dict[UUID, SeatSnapshot] = {}
        async with self._uow_factory() as uow:
            for showing_id in showing_ids:
                encoded = await uow.seat_maps.seat_map_document(showing_id, now)
                if encoded is not None:
                    found[showing_id] = _snapshot(encoded)
        return found

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
