"""Booking use cases on the in-memory adapters with a hand-moved clock."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from uuid import UUID

import pytest

from lynriescoop.adapters.memory.store import MemoryStore
from lynriescoop.adapters.memory.unit_of_work import MemoryUnitOfWork
from lynriescoop.adapters.security.ed25519_tickets import Ed25519TicketSigner, generate_private_key
from lynriescoop.application.bookings.cancel_booking import CancelBooking
from lynriescoop.application.bookings.claiming import ClaimTerms
from lynriescoop.application.bookings.confirm_booking import ConfirmBooking
from lynriescoop.application.bookings.place_booking import PlaceBooking
from lynriescoop.application.bookings.sweep_holds import SweepHolds
from lynriescoop.application.delivery.routing import route_event
from lynriescoop.domain.events import DomainEvent
from lynriescoop.domain.users import Role
from tests.factories import MutableClock, World, build_world, make_user, put_in_memory

CUTOFF = timedelta(minutes=60)


@dataclass
class Engine:
    store: MemoryStore
    clock: MutableClock
    world: World
    place: PlaceBooking
    confirm: ConfirmBooking
    cancel: CancelBooking
    sweep: SweepHolds
    events: list[DomainEvent]
    signer: Ed25519TicketSigner

    def user(self, name: str) -> UUID:
        return self.world.users[name].id

    def seats(self, *labels: str) -> tuple[UUID, ...]:
        return tuple(self.world.seat(label).id for label in labels)


@pytest.fixture
def engine() -> Engine:
    clock = MutableClock(datetime(2026, 11, 20, 12, 0, tzinfo=UTC))
    store = MemoryStore()
    world = build_world(now=clock.now(), starts_in=timedelta(days=1))
    world.users = {
        "ann": make_user("ann@example.com"),
        "bob": make_user("bob@example.com"),
        "boss": make_user("boss@example.com", role=Role.MANAGER),
    }
    put_in_memory(store, world)
    events: list[DomainEvent] = []
    signer = Ed25519TicketSigner(generate_private_key())

    def uow() -> MemoryUnitOfWork:
        unit = MemoryUnitOfWork(store, route_event)
        unit.committed_events = events
        return unit

    return Engine(
        store=store,
        clock=clock,
        world=world,
        place=PlaceBooking(
            uow,
            clock,
            terms=ClaimTerms(timedelta(minutes=10), 4, CUTOFF, "EUR"),
            signer=signer,
        ),
        confirm=ConfirmBooking(uow, clock, cancel_cutoff=CUTOFF, signer=signer),
        cancel=CancelBooking(uow, clock, cancel_cutoff=CUTOFF),
        sweep=SweepHolds(uow, clock),
        events=events,
        signer=signer,
    )
