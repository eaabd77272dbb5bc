"""The sweeper's one pass: expire lapsed holds, complete ended bookings, forget old idempotency keys."""

from __future__ import annotations

from dataclasses import dataclass

from lynriescoop.application.bookings.seat_changes import release_lapsed_holds
from lynriescoop.application.ports.clock import Clock
from lynriescoop.application.ports.unit_of_work import UnitOfWorkFactory


@dataclass(frozen=True, slots=True)
class SweepResult:
    expired: int
    completed: int


class SweepHolds:
    """Mark lapsed holds ``expired`` and free their seats, one showing per transaction (announcing each change
    with one version bump); then mark confirmed bookings of ended showings ``completed``.

    Safe with several processes: a showing locked by a booking in progress (or another sweeper) is skipped
    until the next pass, and bookings are taken with SKIP LOCKED.
    """

    def __init__(self, uow_factory: UnitOfWorkFactory, clock: Clock, *, batch: int = 50) -> None:
        self._uow = uow_factory
        self._clock = clock
        self._batch = batch

    async def __call__(self) -> SweepResult:
        now = self._clock.now()
        async with self._uow() as uow:
            showing_ids = await uow.bookings.showings_with_lapsed_holds(now, self._batch)
        expired = 0
        for showing_id in showing_ids:
            async with self._uow() as uow:
                showing = await uow.bookings.lock_showing(showing_id, skip_locked=True)
                if showing is None:
                    continue
                expired += len(await release_lapsed_holds(uow, showing, now))
                await uow.commit()
        async with self._uow() as uow:
            completed = len(await uow.bookings.complete_ended(now))
            await uow.bookings.purge_keys(now)
            await uow.commit()
        return SweepResult(expired=expired, completed=completed)
