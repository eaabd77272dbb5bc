"""Tickets and check-in use cases on the in-memory adapters (API.md §11): issued with the confirming transaction,
revoked with the cancelling one, admitted once."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from uuid import UUID, uuid4

import pytest

from lynriescoop.adapters.memory.unit_of_work import MemoryUnitOfWork
from lynriescoop.adapters.security.ed25519_tickets import Ed25519TicketSigner, generate_private_key
from lynriescoop.application.bookings.cancel_booking import CancelBookingCommand
from lynriescoop.application.bookings.confirm_booking import ConfirmBookingCommand
from lynriescoop.application.bookings.place_booking import PlaceBookingCommand
from lynriescoop.application.bookings.showing_cancellation import cancel_bookings_of_showing
from lynriescoop.application.catalogue.showings.cancel_showing import CancelShowing, CancelShowingCommand
from lynriescoop.application.delivery.routing import route_event
from lynriescoop.application.ports.delivery import OutboxKind
from lynriescoop.application.tickets.check_in import CheckIn, CheckInBatch, CheckInCommand, Scan
from lynriescoop.application.tickets.queries import GetTicket, ListBookingTickets
from lynriescoop.domain.errors import (
    AlreadyCheckedIn,
    BookingNotFound,
    CheckinClosed,
    InvalidTicket,
    TicketNotFound,
    TicketRevoked,
    WrongShowing,
)
from lynriescoop.domain.events import BookingConfirmed, TicketCheckedIn, TicketsRevoked
from lynriescoop.domain.tickets import Ticket, TicketClaims, TicketStatus
from tests.unit.bookings.conftest import CUTOFF, Engine


def uow_of(engine: Engine) -> Any:
    def factory() -> MemoryUnitOfWork:
        unit = MemoryUnitOfWork(engine.store, route_event)
        unit.committed_events = engine.events
        return unit

    return factory


async def book(engine: Engine, user: str, *labels: str, confirm: bool = True) -> UUID:
    placed = await engine.place(
        PlaceBookingCommand(engine.user(user), engine.world.showing.id, engine.seats(*labels), confirm)
    )
    return UUID(placed.document["id"])


async def tickets_of(engine: Engine, booking_id: UUID, user: str = "ann") -> list[Ticket]:
    return list(await ListBookingTickets(uow_of(engine))(booking_id, engine.user(user), as_manager=False))


def check_in(engine: Engine) -> CheckIn:
    return CheckIn(uow_of(engine), engine.clock, engine.signer)


async def test_a_booking_placed_confirmed_gets_one_signed_ticket_per_seat(engine: Engine) -> None:
    booking_id = await book(engine, "ann", "A2", "A1", "E1")
    tickets = await tickets_of(engine, booking_id)
    assert [t.seat_label for t in tickets] == ["A1", "A2", "E1"]
    assert {t.status for t in tickets} == {TicketStatus.VALID}
    for ticket in tickets:
        claims = engine.signer.verify(ticket.code)
        assert claims == TicketClaims(
            ticket.id, engine.world.showing.id, ticket.seat_label, engine.world.showing.start_time, engine.signer.key_id
        )
    # Issued in the confirming transaction: the confirmation email already carries every code.
    email = next(e for e in engine.events if isinstance(e, BookingConfirmed))
    assert [(t.seat_label, t.code) for t in email.details.tickets] == [(t.seat_label, t.code) for t in tickets]


async def test_a_hold_has_no_tickets_until_it_is_confirmed(engine: Engine) -> None:
    booking_id = await book(engine, "ann", "B1", "B2", confirm=False)
    assert await tickets_of(engine, booking_id) == []
    await engine.confirm(ConfirmBookingCommand(engine.user("ann"), booking_id))
    first = await tickets_of(engine, booking_id)
    assert [t.seat_label for t in first] == ["B1", "B2"]
    await engine.confirm(ConfirmBookingCommand(engine.user("ann"), booking_id))  # again: nothing new
    assert [t.id for t in await tickets_of(engine, booking_id)] == [t.id for t in first]


async def test_only_the_owner_or_a_manager_reads_tickets(engine: Engine) -> None:
    booking_id = await book(engine, "ann", "A1")
    ticket = (await tickets_of(engine, booking_id))[0]
    with pytest.raises(BookingNotFound):
        await tickets_of(engine, booking_id, "bob")
    assert await ListBookingTickets(uow_of(engine))(booking_id, engine.user("boss"), as_manager=True)
    get = GetTicket(uow_of(engine))
    assert (await get(ticket.id, engine.user("ann"), as_manager=False)).code == ticket.code
    with pytest.raises(TicketNotFound):
        await get(ticket.id, engine.user("bob"), as_manager=False)
    with pytest.raises(TicketNotFound):
        await get(uuid4(), engine.user("boss"), as_manager=True)


async def test_cancelling_revokes_and_announces_the_full_list_of_the_showing(engine: Engine) -> None:
    first = await book(engine, "ann", "A1", "A2")
    second = await book(engine, "bob", "C1")
    await engine.cancel(CancelBookingCommand(engine.user("ann"), first))
    await engine.cancel(CancelBookingCommand(engine.user("bob"), second))
    await engine.cancel(CancelBookingCommand(engine.user("bob"), second))  # again: nothing new is announced
    revoked = [e for e in engine.events if isinstance(e, TicketsRevoked)]
    ann_ids = {t.id for t in await tickets_of(engine, first)}
    bob_ids = {t.id for t in await tickets_of(engine, second, "bob")}
    assert [e.version for e in revoked] == [2, 3]
    assert set(revoked[0].ticket_ids) == ann_ids
    assert set(revoked[1].ticket_ids) == ann_ids | bob_ids  # the full list, not only the new one
    assert {t.status for t in await tickets_of(engine, first)} == {TicketStatus.REVOKED}
    rows = [m for m in engine.store.state.outbox if m.kind == OutboxKind.TICKETS_REVOKED]
    assert [r.retain for r in rows] == [True, True]
    assert rows[-1].destination == f"tickets/revoked/{engine.world.showing.id}"
    assert rows[-1].showing_id == engine.world.showing.id


async def test_cancelling_a_showing_revokes_every_ticket(engine: Engine) -> None:
    await book(engine, "ann", "A1")
    await book(engine, "bob", "B1", "B2")
    await book(engine, "bob", "C1", confirm=False)
    cancel = CancelShowing(uow_of(engine), engine.clock, lambda u, s, n: cancel_bookings_of_showing(u, s, n, CUTOFF))
    await cancel(CancelShowingCommand(engine.world.showing.id))
    revoked = [e for e in engine.events if isinstance(e, TicketsRevoked)]
    assert len(revoked) == 1 and revoked[0].version == 3
    assert {t.status for t in engine.store.state.tickets.values()} == {TicketStatus.REVOKED}


async def test_check_in_admits_once_and_announces_it(engine: Engine) -> None:
    booking_id = await book(engine, "ann", "A1")
    ticket = (await tickets_of(engine, booking_id))[0]
    engine.clock.advance(timedelta(days=1) - timedelta(minutes=20))  # doors open before the start
    done = await check_in(engine)(CheckInCommand(ticket.code, engine.world.showing.id))
    assert done.first_check_in and done.ticket.status is TicketStatus.CHECKED_IN
    assert done.ticket.checked_in_at == engine.clock.now()
    assert (done.showing.id, done.showing.movie_title, done.showing.room_name) == (
        engine.world.showing.id,
        "Test Movie",
        engine.world.room.name,
    )
    announced = [e for e in engine.events if isinstance(e, TicketCheckedIn)]
    assert [(e.ticket_id, e.seat_label) for e in announced] == [(ticket.id, "A1")]
    engine.clock.advance(timedelta(minutes=3))
    with pytest.raises(AlreadyCheckedIn) as info:
        await check_in(engine)(CheckInCommand(ticket.code))
    assert info.value.extra["checked_in_at"] == done.ticket.checked_in_at.isoformat().replace("+00:00", "Z")
    assert len([e for e in engine.events if isinstance(e, TicketCheckedIn)]) == 1


async def test_check_in_refusals(engine: Engine) -> None:
    booking_id = await book(engine, "ann", "A1", "A2")
    first, second = await tickets_of(engine, booking_id)
    with pytest.raises(WrongShowing):
        await check_in(engine)(CheckInCommand(first.code, uuid4()))
    other = Ed25519TicketSigner(generate_private_key())
    with pytest.raises(InvalidTicket):
        await check_in(engine)(
            CheckInCommand(
                other.sign(
                    TicketClaims(first.id, first.showing_id, "A1", engine.world.showing.start_time, other.key_id)
                )
            )
        )
    unknown = TicketClaims(uuid4(), first.showing_id, "A1", engine.world.showing.start_time, engine.signer.key_id)
    with pytest.raises(InvalidTicket, match="names no ticket"):
        await check_in(engine)(CheckInCommand(engine.signer.sign(unknown)))
    with pytest.raises(InvalidTicket):
        await check_in(engine)(CheckInCommand("not a code"))
    await engine.cancel(CancelBookingCommand(engine.user("ann"), booking_id))
    with pytest.raises(TicketRevoked):
        await check_in(engine)(CheckInCommand(second.code))


async def test_check_in_closes_when_the_showing_ends_or_is_cancelled(engine: Engine) -> None:
    booking_id = await book(engine, "ann", "A1", "A2")
    first, second = await tickets_of(engine, booking_id)
    engine.clock.advance(engine.world.showing.end_time - engine.clock.now())
    with pytest.raises(CheckinClosed):
        await check_in(engine)(CheckInCommand(first.code))
    engine.clock.advance(-timedelta(hours=3))
    cancel = CancelShowing(uow_of(engine), engine.clock, lambda u, s, n: cancel_bookings_of_showing(u, s, n, CUTOFF))
    await cancel(CancelShowingCommand(engine.world.showing.id))
    with pytest.raises(CheckinClosed):
        await check_in(engine)(CheckInCommand(second.code))


async def test_a_batch_answers_in_order_and_the_earliest_scan_wins(engine: Engine) -> None:
    booking_id = await book(engine, "ann", "A1", "A2")
    a1, a2 = await tickets_of(engine, booking_id)
    start = engine.world.showing.start_time
    engine.clock.advance(start - engine.clock.now() + timedelta(minutes=30))
    scans = [
        Scan(a1.code, start + timedelta(minutes=5)),
        Scan("garbage", start),
        Scan(a1.code, start - timedelta(minutes=10)),  # the earliest scan of A1: its check-in
        Scan(a2.code, start + timedelta(hours=9)),  # a scanner clock in the future counts as now
    ]
    results = await CheckInBatch(check_in(engine))(scans)
    assert [(r.code, r.ok, r.error_code) for r in results] == [
        (a1.code, False, "already_checked_in"),
        ("garbage", False, "invalid_ticket"),
        (a1.code, True, None),
        (a2.code, True, None),
    ]
    assert (
        results[0].error_extra["checked_in_at"].startswith((start - timedelta(minutes=10)).strftime("%Y-%m-%dT%H:%M"))
    )
    checked = results[2].checked_in
    assert checked is not None and checked.ticket.checked_in_at == start - timedelta(minutes=10)
    assert results[3].checked_in is not None and results[3].checked_in.ticket.checked_in_at == engine.clock.now()


async def test_stats_count_checked_in_tickets(engine: Engine) -> None:
    from lynriescoop.adapters.memory.stats import MemoryStatsReader

    booking_id = await book(engine, "ann", "A1", "A2")
    a1, _ = await tickets_of(engine, booking_id)
    await check_in(engine)(CheckInCommand(a1.code))
    window_start: datetime = engine.clock.now()
    stats = await MemoryStatsReader(engine.store).stats(window_start, None, engine.clock.now())
    row = next(r for r in stats.occupancy if r.showing_id == engine.world.showing.id)
    assert (row.sold, row.checked_in) == (2, 1)
