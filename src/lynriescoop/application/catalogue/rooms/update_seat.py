"""A manager blocks, unblocks or re-categorises one seat of a room."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from lynriescoop.application.ports.clock import Clock
from lynriescoop.application.ports.unit_of_work import UnitOfWork, UnitOfWorkFactory
from lynriescoop.domain.errors import RoomNotFound, SeatNotFound
from lynriescoop.domain.events import SeatChangeReason, SeatsChanged, SeatState
from lynriescoop.domain.rooms import Seat, SeatCategory, check_companions
from lynriescoop.domain.seat_maps import SeatStatus


@dataclass(frozen=True, slots=True)
class UpdateSeatCommand:
    room_id: UUID
    seat_id: UUID
    is_active: bool | None = None
    category: SeatCategory | None = None


class UpdateSeat:
    """Rules:

    - an unknown room is RoomNotFound (404); a seat that is not in that room is SeatNotFound (404);
    - an inactive seat is blocked: it shows ``blocked`` on the seat map of every showing, and cannot be booked;
      bookings already made keep it;
    - blocking or unblocking changes the seat maps of the room's scheduled showings that have not started: each
      one's version rises by one and a SeatsChanged (``blocked``/``unblocked``) is recorded for it, in the same
      transaction; the room is locked, so no showing is scheduled into the room meanwhile;
    - a new category changes the seat's price on later seat maps; seats already claimed keep their price;
    - every ``companion`` seat still sits beside a ``wheelchair`` space afterwards (InvalidRoomLayout, 422).
    """

    def __init__(self, uow_factory: UnitOfWorkFactory, clock: Clock) -> None:
        self._uow_factory = uow_factory
        self._clock = clock

    async def __call__(self, command: UpdateSeatCommand) -> Seat:
        now = self._clock.now()
        async with self._uow_factory() as uow:
            room = await uow.rooms.get_for_update(command.room_id)
            if room is None:
                raise RoomNotFound()
            seat = room.seat(command.seat_id)
            if seat is None:
                raise SeatNotFound()
            toggled = command.is_active is not None and seat.set_active(command.is_active)
            if command.category is not None:
                seat.category = command.category
                check_companions(room.seats)
            await uow.rooms.update_seat(seat)
            if toggled:
                await _announce(uow, seat, now)
            await uow.commit()
        return seat


async def _announce(uow: UnitOfWork, seat: Seat, now: datetime) -> None:
    reason = SeatChangeReason.UNBLOCKED if seat.is_active else SeatChangeReason.BLOCKED
    versions = await uow.showings.bump_seat_versions(seat.room_id, now)
    statuses = await uow.seat_maps.seat_statuses(seat.id, [v.showing_id for v in versions], now)
    fallback = SeatStatus.AVAILABLE if seat.is_active else SeatStatus.BLOCKED
    for bumped in versions:
        status = statuses.get(bumped.showing_id, fallback)
        uow.record(
            SeatsChanged(now, bumped.showing_id, bumped.version, reason, (SeatState(seat.id, str(seat.label), status),))
        )
