"""A manager deletes a showing that never had a booking."""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID

from lynriescoop.application.ports.clock import Clock
from lynriescoop.application.ports.unit_of_work import UnitOfWorkFactory
from lynriescoop.domain.errors import ShowingHasBookings, ShowingNotFound
from lynriescoop.domain.events import ShowingChanged, ShowingEventKind


@dataclass(frozen=True, slots=True)
class DeleteShowingCommand:
    showing_id: UUID


class DeleteShowing:
    """Rules:

    - an unknown id is ShowingNotFound (404);
    - a showing that has or ever had a booking, in any status, is kept as a business record
      (ShowingHasBookings, 409: cancel it instead). The showing is locked first, so a booking placed at the same
      moment either lands before (409 here) or finds the showing gone (404 there);
    - a ShowingChanged(deleted) event is recorded, which clears its retained MQTT messages.
    """

    def __init__(self, uow_factory: UnitOfWorkFactory, clock: Clock) -> None:
        self._uow_factory = uow_factory
        self._clock = clock

    async def __call__(self, command: DeleteShowingCommand) -> None:
        async with self._uow_factory() as uow:
            if await uow.showings.get_for_update(command.showing_id) is None:
                raise ShowingNotFound()
            if await uow.showings.has_bookings(command.showing_id):
                raise ShowingHasBookings("The showing has bookings; cancel it instead.")
            await uow.showings.delete(command.showing_id)
            uow.record(ShowingChanged(self._clock.now(), command.showing_id, ShowingEventKind.DELETED))
            await uow.commit()
