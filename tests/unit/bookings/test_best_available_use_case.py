"""The best-available use case on the in-memory adapters: it claims like POST /bookings, under the seat rules."""

from __future__ import annotations

from datetime import timedelta

import pytest

from lynriescoop.adapters.memory.unit_of_work import MemoryUnitOfWork
from lynriescoop.application.bookings.best_available import BestAvailable, BestAvailableCommand
from lynriescoop.application.bookings.claiming import ClaimTerms
from lynriescoop.application.bookings.place_booking import PlaceBookingCommand
from lynriescoop.application.delivery.routing import route_event
from lynriescoop.domain.errors import (
    IdempotencyKeyReused,
    NoAdjacentSeats,
    ShowingNotBookable,
    ShowingNotFound,
    TooManySeats,
)
from lynriescoop.domain.events import SeatChangeReason, SeatsChanged
from lynriescoop.domain.rooms import SeatCategory
from lynriescoop.domain.showings import ShowingStatus
from tests.unit.bookings.conftest import CUTOFF, Engine


def best_available(engine: Engine) -> BestAvailable:
    def uow() -> MemoryUnitOfWork:
        unit = MemoryUnitOfWork(engine.store, route_event)
        unit.committed_events = engine.events
        return unit

    return BestAvailable(
        uow,
        engine.clock,
        terms=ClaimTerms(timedelta(minutes=10), 4, CUTOFF, "EUR"),
        signer=engine.signer,
    )


def command(engine: Engine, user: str, count: int, **extra: object) -> BestAvailableCommand:
    return BestAvailableCommand(engine.user(user), engine.world.showing.id, count, **extra)  # type: ignore[arg-type]


def labels(document: dict[str, object]) -> list[str]:
    return [seat["label"] for seat in document["seats"]]  # type: ignore[attr-defined,index]


async def test_holds_the_best_seats_and_announces_them(engine: Engine) -> None:
    # 5 rows of 10 (row E premium): the ideal row is at index 4 * 2/3 = 2.67, nearest row D.
    placed = await best_available(engine)(command(engine, "ann", 2))
    assert labels(placed.document) == ["D5", "D6"] and placed.document["status"] == "pending"
    changes = [(e.reason, [s.label for s in e.seats]) for e in engine.events if isinstance(e, SeatsChanged)]
    assert changes == [(SeatChangeReason.HELD, ["D5", "D6"])]
    booked = await best_available(engine)(command(engine, "bob", 2, confirm=True))
    # D3, D4 would be two seats off the middle (1.14 m from the ideal point); C5, C6 are 0.63 m from it.
    assert booked.document["status"] == "confirmed" and labels(booked.document) == ["C5", "C6"]


async def test_a_category_and_the_seats_someone_holds(engine: Engine) -> None:
    held = PlaceBookingCommand(engine.user("bob"), engine.world.showing.id, engine.seats("E5", "E6"))
    await engine.place(held)
    premium = await best_available(engine)(command(engine, "ann", 2, category=SeatCategory.PREMIUM))
    assert labels(premium.document) == ["E3", "E4"]  # E7/E8 are as good; the lower numbers win


async def test_no_row_has_enough_neighbours(engine: Engine) -> None:
    with pytest.raises(NoAdjacentSeats) as refused:
        await best_available(engine)(command(engine, "ann", 3, accessible=True))
    assert refused.value.available_seats == 50 and refused.value.extra == {"available_seats": 50}


async def test_the_rules_of_a_claim(engine: Engine) -> None:
    pick = best_available(engine)
    with pytest.raises(TooManySeats):
        await pick(command(engine, "ann", 5))
    await pick(command(engine, "ann", 3))
    with pytest.raises(TooManySeats):  # counting the seats ann already holds
        await pick(command(engine, "ann", 2))
    with pytest.raises(ShowingNotFound):
        await pick(BestAvailableCommand(engine.user("ann"), engine.user("bob"), 1))
    engine.store.state.showings[engine.world.showing.id].status = ShowingStatus.CANCELLED
    with pytest.raises(ShowingNotBookable):
        await pick(command(engine, "bob", 1))


async def test_an_idempotency_key_replays_and_differs_from_post_bookings(engine: Engine) -> None:
    pick = best_available(engine)
    first = await pick(command(engine, "ann", 2, idempotency_key="k"))
    again = await pick(command(engine, "ann", 2, idempotency_key="k"))
    assert again.replayed and again.document == first.document
    with pytest.raises(IdempotencyKeyReused):
        await pick(command(engine, "ann", 1, idempotency_key="k"))
    same_key = PlaceBookingCommand(engine.user("ann"), engine.world.showing.id, engine.seats("A1"), False, "k")
    with pytest.raises(IdempotencyKeyReused):
        await engine.place(same_key)


async def test_seats_of_a_lapsed_hold_are_picked_and_the_hold_expired_first(engine: Engine) -> None:
    lapsing = PlaceBookingCommand(engine.user("bob"), engine.world.showing.id, engine.seats("D5", "D6"))
    await engine.place(lapsing)
    engine.clock.advance(timedelta(minutes=11))  # the 10-minute hold has lapsed; no sweep ran

    placed = await best_available(engine)(command(engine, "ann", 2))

    assert labels(placed.document) == ["D5", "D6"]
    changes = [(e.reason, [s.label for s in e.seats]) for e in engine.events if isinstance(e, SeatsChanged)]
    assert changes[-2:] == [(SeatChangeReason.EXPIRED, ["D5", "D6"]), (SeatChangeReason.HELD, ["D5", "D6"])]
    versions = [e.version for e in engine.events if isinstance(e, SeatsChanged)]
    assert versions == sorted(versions) and len(set(versions)) == len(versions)
