"""A manager cancels a showing."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from lynriescoop.application.catalogue.showings.views import showing_view
from lynriescoop.application.ports.clock import Clock
from lynriescoop.application.ports.read_models import ShowingView
from lynriescoop.application.ports.unit_of_work import UnitOfWork, UnitOfWorkFactory
from lynriescoop.domain.errors import ShowingNotFound
from lynriescoop.domain.events import ShowingChanged, ShowingEventKind
from lynriescoop.domain.showings import Showing

CancelBookingsOfShowing = Callable[[UnitOfWork, Showing, datetime], Awaitable[object]]
"""What cancelling a showing does to its bookings, inside the cancelling transaction (which holds the showing's
lock): the booking engine's ``cancel_bookings_of_showing`` cancels every pending or confirmed booking, frees its
seats, and records the seat change and the customer emails."""


@dataclass(frozen=True, slots=True)
class CancelShowingCommand:
    showing_id: UUID


class CancelShowing:
    """Rules:

    - an unknown id is ShowingNotFound (404); a showing that has ended cannot be cancelled (InvalidSchedule, 422);
    - an already cancelled showing is answered as it is, nothing changes (200 unchanged);
    - otherwise, in one transaction under the showing's lock: the status becomes ``cancelled``, every pending or
      confirmed booking is cancelled and its seats released (``cancel_bookings``), and a
      ShowingChanged(cancelled) event is recorded.
    """

    def __init__(self, uow_factory: UnitOfWorkFactory, clock: Clock, cancel_bookings: CancelBookingsOfShowing) -> None:
        self._uow_factory = uow_factory
        self._clock = clock
        self._cancel_bookings = cancel_bookings

    async def __call__(self, command: CancelShowingCommand) -> ShowingView:
        now = self._clock.now()
        async with self._uow_factory() as uow:
            showing = await uow.showings.get_for_update(command.showing_id)
            if showing is None:
                raise ShowingNotFound()
            if showing.cancel(now):
                await uow.showings.update(showing)
                await self._cancel_bookings(uow, showing, now)
                uow.record(ShowingChanged(now, showing.id, ShowingEventKind.CANCELLED))
            view = await showing_view(uow, showing.id, now)
            await uow.commit()
        return view
