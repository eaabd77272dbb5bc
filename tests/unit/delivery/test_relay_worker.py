"""The relay worker puts seats first: while seat messages flow, email batches are paced; when they stop, email goes
back to full speed. Nothing is ever dropped by the pacing (the rows simply wait in the outbox)."""

from __future__ import annotations

import asyncio

from lynriescoop.application.delivery.relay import RelayOutcome
from lynriescoop.application.delivery.relay_worker import OutboxRelayWorker


class Signal:
    def __init__(self) -> None:
        self.events: list[asyncio.Event] = []

    def subscribe(self) -> asyncio.Event:
        event = asyncio.Event()
        self.events.append(event)
        return event

    async def start(self) -> None:
        return None

    async def stop(self) -> None:
        return None


class Relay:
    """Always has email to send; has seat messages while ``seats_flowing``."""

    def __init__(self) -> None:
        self.seats_flowing = True
        self.email_batches = 0

    async def relay_mqtt(self) -> RelayOutcome:
        await asyncio.sleep(0.01)
        return RelayOutcome(sent=1 if self.seats_flowing else 0)

    async def relay_email(self) -> RelayOutcome:
        self.email_batches += 1
        await asyncio.sleep(0.001)
        return RelayOutcome(sent=10)


async def run_for(worker: OutboxRelayWorker, seconds: float) -> None:
    await worker.start()
    try:
        await asyncio.sleep(seconds)
    finally:
        await worker.stop()


async def test_email_yields_to_seat_messages_then_catches_up() -> None:
    relay = Relay()
    worker = OutboxRelayWorker(relay, Signal(), email_yield_seconds=0.2, seats_busy_window=0.5)  # type: ignore[arg-type]
    await run_for(worker, 0.6)
    while_busy = relay.email_batches
    # Until the first seat message (10 ms) email runs freely; then one batch per 0.2 s pause, never none.
    assert 1 <= while_busy <= 15

    relay.seats_flowing, relay.email_batches = False, 0
    worker = OutboxRelayWorker(relay, Signal(), email_yield_seconds=0.2, seats_busy_window=0.5)  # type: ignore[arg-type]
    await run_for(worker, 0.6)
    assert relay.email_batches > 10 * while_busy  # no seat traffic: back to back
