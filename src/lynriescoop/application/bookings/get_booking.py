"""Read one booking."""

from __future__ import annotations

from uuid import UUID

from lynriescoop.application.ports.bookings import BookingView
from lynriescoop.application.ports.unit_of_work import UnitOfWorkFactory
from lynriescoop.domain.errors import BookingNotFound


class GetBooking:
    """The owner or a manager may read a booking; for anyone else it does not exist (BookingNotFound)."""

    def __init__(self, uow_factory: UnitOfWorkFactory) -> None:
        self._uow = uow_factory

    async def __call__(self, booking_id: UUID, user_id: UUID, *, as_manager: bool) -> BookingView:
        async with self._uow() as uow:
            view = await uow.bookings.view(booking_id)
        if view is None or (view.booking.user_id != user_id and not as_manager):
            raise BookingNotFound()
        return view
