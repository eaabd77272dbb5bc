"""A manager changes a showing: its times, prices, formats or room."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from uuid import UUID

from lynriescoop.application.catalogue.showings.views import showing_view
from lynriescoop.application.ports.clock import Clock
from lynriescoop.application.ports.read_models import ShowingView
from lynriescoop.application.ports.unit_of_work import UnitOfWork, UnitOfWorkFactory
from lynriescoop.domain.errors import RoomNotFound, ShowingHasBookings, ShowingNotFound
from lynriescoop.domain.events import ShowingChanged, ShowingEventKind
from lynriescoop.domain.rooms import Room, SeatCategory


@dataclass(frozen=True, slots=True)
class UpdateShowingCommand:
    """``None`` leaves a field as it is."""

    showing_id: UUID
    start_time: datetime | None = None
    end_time: datetime | None = None
    price: Decimal | None = None
    prices: Mapping[SeatCategory, Decimal] | None = None
    room_id: UUID | None = None
    is_3d: bool | None = None
    is_imax: bool | None = None
    is_dolby: bool | None = None


class UpdateShowing:
    """Rules:

    - an unknown showing is ShowingNotFound, an unknown target room RoomNotFound (404);
    - a cancelled or ended showing cannot change; a new start is not in the past; the end stays after the start;
      a new start without a new end keeps the duration (InvalidSchedule, 422); prices are valid (422);
    - the formats must be available in the (new) room (RoomLacksFeature, 422);
    - moving to another room is refused while any seat is held or booked (ShowingHasBookings, 409);
    - when the times or the room change, the overlap rule is checked again (ShowingOverlap, 409) under the lock of
      the target room, which is taken before the showing's own lock (the order every writer uses);
    - a ShowingChanged(updated) event is recorded.
    """

    def __init__(self, uow_factory: UnitOfWorkFactory, clock: Clock, cleaning: timedelta) -> None:
        self._uow_factory = uow_factory
        self._clock = clock
        self._cleaning = cleaning

    async def __call__(self, command: UpdateShowingCommand) -> ShowingView:
        now = self._clock.now()
        async with self._uow_factory() as uow:
            room = await self._lock_target_room(uow, command)
            showing = await uow.showings.get_for_update(command.showing_id)
            if showing is None:
                raise ShowingNotFound()
            if command.room_id is None and showing.room_id != room.id:  # moved by someone else meanwhile
                room = await _locked_room(uow, showing.room_id)
            moving = room.id != showing.room_id
            if moving and await uow.showings.has_live_claims(showing.id):
                raise ShowingHasBookings("Seats of this showing are held or booked; it cannot change rooms.")
            retimed = (showing.start_time, showing.end_time)
            showing.revise(
                now=now,
                room_id=room.id,
                room_features=room.features,
                start_time=command.start_time,
                end_time=command.end_time,
                price=command.price,
                prices=command.prices,
                is_3d=command.is_3d,
                is_imax=command.is_imax,
                is_dolby=command.is_dolby,
            )
            if moving or retimed != (showing.start_time, showing.end_time):
                nearby = await uow.showings.in_room_overlapping(
                    room.id, showing.start_time, showing.end_time, self._cleaning, exclude_id=showing.id
                )
                showing.ensure_no_conflict(nearby, self._cleaning)
            await uow.showings.update(showing)
            uow.record(ShowingChanged(now, showing.id, ShowingEventKind.UPDATED))
            view = await showing_view(uow, showing.id, now)
            await uow.commit()
        return view

    async def _lock_target_room(self, uow: UnitOfWork, command: UpdateShowingCommand) -> Room:
        if command.room_id is not None:
            return await _locked_room(uow, command.room_id)
        current = await uow.showings.get(command.showing_id)
        if current is None:
            raise ShowingNotFound()
        return await _locked_room(uow, current.room_id)


async def _locked_room(uow: UnitOfWork, room_id: UUID) -> Room:
    room = await uow.rooms.get_for_update(room_id)
    if room is None:
        raise RoomNotFound()
    return room
