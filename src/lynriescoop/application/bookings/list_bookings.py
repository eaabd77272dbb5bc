"""List bookings: a customer's own, or all of them for managers."""

from __future__ import annotations

from lynriescoop.application.ports.bookings import BookingFilter, BookingView
from lynriescoop.application.ports.clock import Clock
from lynriescoop.application.ports.repositories import Page
from lynriescoop.application.ports.unit_of_work import UnitOfWorkFactory


class ListBookings:
    """Bookings newest first (``created_at`` descending, then id), with their showing (one query per page).

    ``with_user`` adds each booking's user (managers' view); customers always pass their own ``user_id``.
    """

    def __init__(self, uow_factory: UnitOfWorkFactory, clock: Clock) -> None:
        self._uow = uow_factory
        self._clock = clock

    async def __call__(
        self, filters: BookingFilter, limit: int, offset: int, *, with_user: bool = False
    ) -> Page[BookingView]:
        async with self._uow() as uow:
            page = await uow.bookings.list_views(filters, self._clock.now(), limit, offset, with_user=with_user)
        return Page(page.items, page.total, limit, offset)
