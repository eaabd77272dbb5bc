"""The premiere: 1,000 clients want the seats of one 250-seat showing at the same moment.

Each client opens the seat map (``GET /showings/{id}/seats`` with ``Accept-Encoding: gzip``, later with
``If-None-Match``), watches the showing's MQTT topics, asks for 2 neighbouring seats it believes free (fewer when no
such pair is left) with ``POST /bookings`` (``confirm: true``), and after a 409 (or a 422 of the single-seat rule)
reads the seat map again and tries again, until it has a booking or sees nothing left. A thousand MQTT connections
would cost this 2-core machine more CPU in the load generator than the service gets, so the clients share
:data:`MQTT_CONNECTIONS` subscriptions: client ``i`` watches connection ``i mod n``, and each connection keeps its
own record (which seats it saw taken, and when each seat's ``booked`` message arrived), so every client still sees
the live map of its own connection.
"""

from __future__ import annotations

import asyncio
import contextlib
import math
import random
import secrets
import time
from collections import Counter
from dataclasses import dataclass, field

import aiomqtt

from bench.rawhttp import HttpConnection, HttpError
from bench.results import ScenarioResult, percentile
from bench.sampler import OwnCpu, Usage
from bench.scenarios import Context, message_payload

CLIENTS = 1000
MQTT_CONNECTIONS = 20
MAX_SECONDS = 30.0  # the clients stop trying after this long, sold out or not
MAX_ATTEMPTS = 40  # booking attempts per client
GRACE_SECONDS = 5.0  # after the last client stopped, how long seat messages may still arrive
SEATS_WANTED = 2
RETRY_PAUSE_SECONDS = 0.5
NO_ANSWER = 0  # the status counted when the connection closed without an answer
TAKEN = frozenset({"held", "booked", "blocked"})


@dataclass
class _Watcher:
    """One MQTT connection and what it saw."""

    taken: set[str] = field(default_factory=set)
    booked_at: dict[str, float] = field(default_factory=dict)  # seat -> first `seats/status` saying booked
    messages: int = 0


@dataclass
class _Premiere:
    reads: Counter[int] = field(default_factory=Counter)
    bookings: Counter[int] = field(default_factory=Counter)
    read_latencies: list[float] = field(default_factory=list)
    booking_latencies: list[float] = field(default_factory=list)
    sold: list[tuple[int, float, list[str]]] = field(default_factory=list)  # client, 201 time, seats
    outcomes: Counter[str] = field(default_factory=Counter)


async def premiere(ctx: Context) -> ScenarioResult:
    if len(ctx.catalogue.customers) < CLIENTS:
        raise ValueError(f"the premiere needs {CLIENTS} customers, there are {len(ctx.catalogue.customers)}")
    [showing_id] = await ctx.fresh_showings(1)
    seat_path = f"/showings/{showing_id}/seats"
    topics = [f"seats/status/{showing_id}", f"seats/snapshot/{showing_id}", f"showing/update/{showing_id}"]
    watchers = [_Watcher() for _ in range(MQTT_CONNECTIONS)]
    run = _Premiere()
    start = asyncio.Event()
    host, port = ctx.broker.host_port

    async def listen(watcher: _Watcher, mqtt: aiomqtt.Client) -> None:
        async for message in mqtt.messages:
            received = time.perf_counter()
            payload = message_payload(message)
            if payload is None or payload.get("showing_id") != showing_id:
                continue
            watcher.messages += 1
            is_status = str(message.topic).startswith("seats/status/")
            for seat in payload.get("seats") or []:
                status, seat_id = seat.get("status"), seat.get("seat_id")
                if status in TAKEN:
                    watcher.taken.add(seat_id)
                if status == "booked" and is_status:
                    watcher.booked_at.setdefault(seat_id, received)

    async def client(index: int, connection: HttpConnection, deadline: float) -> None:
        customer, chooser, watcher = (
            ctx.catalogue.customers[index],
            random.Random(index),
            watchers[index % len(watchers)],
        )
        etag = ""
        on_map: list[tuple[str, str, int]] = []  # the free seats of the last read: (id, row, number)

        async def read_map() -> bool:
            nonlocal etag, on_map
            headers = {"Accept-Encoding": "gzip"} | ({"If-None-Match": etag} if etag else {})
            sent = time.perf_counter()
            try:
                answer = await connection.request("GET", seat_path, headers=headers)
            except HttpError:  # the service closed the connection: the next request opens a new one
                run.reads[NO_ANSWER] += 1
                return False
            run.read_latencies.append(time.perf_counter() - sent)
            run.reads[answer.status] += 1
            if answer.status == 200:
                etag = answer.headers.get("etag", "")
                on_map = [
                    (s["seat_id"], s["row"], s["number"]) for s in answer.json()["seats"] if s["status"] == "available"
                ]
            return answer.status in (200, 304)

        async def book(asked: list[str]) -> int:
            body = {"showing_id": showing_id, "seat_ids": asked, "confirm": True}
            sent = time.perf_counter()
            try:
                answer = await connection.request("POST", "/bookings", body=body, token=customer.token)
            except HttpError:
                run.bookings[NO_ANSWER] += 1
                return NO_ANSWER
            answered = time.perf_counter()
            run.booking_latencies.append(answered - sent)
            run.bookings[answer.status] += 1
            if answer.status == 201:
                run.sold.append((index, answered, asked))
            return answer.status

        await start.wait()
        # Every request counts against MAX_ATTEMPTS; a failed read or booking (5xx, a closed connection) is
        # retried after a short pause, as a browser's script would, and a 409 is followed by a fresh read.
        attempts, have_map = 0, False
        while attempts < MAX_ATTEMPTS:
            if time.perf_counter() > deadline:
                run.outcomes["cut off by the time limit"] += 1
                return
            attempts += 1
            if not have_map:
                have_map = await read_map()
                if not have_map:
                    await asyncio.sleep(RETRY_PAUSE_SECONDS)
                continue
            free = [seat for seat in on_map if seat[0] not in watcher.taken]
            if not free:
                run.outcomes["saw nothing left"] += 1
                return
            status = await book(choose_neighbours(free, SEATS_WANTED, chooser))
            if status == 201:
                run.outcomes["booked"] += 1
                return
            # 409: taken meanwhile; 422 single_seat_gap: the pair would strand a seat someone took a neighbour of
            # meanwhile. Either way a person reads the map again and picks other seats.
            if status not in (409, 422):
                await asyncio.sleep(RETRY_PAUSE_SECONDS)
            have_map = False  # read the seat map again before the next try
        run.outcomes["gave up after the attempt limit"] += 1

    async with contextlib.AsyncExitStack() as stack:
        listeners = []
        for number, watcher in enumerate(watchers):
            identifier = f"bench-premiere-{secrets.token_hex(3)}-{number}"
            mqtt = await stack.enter_async_context(aiomqtt.Client(hostname=host, port=port, identifier=identifier))
            for topic in topics:
                await mqtt.subscribe(topic, qos=1)
            listeners.append(asyncio.create_task(listen(watcher, mqtt)))
        connections = await ctx.connections_to_service(CLIENTS)
        try:
            with ctx.measure("premiere") as sampler, OwnCpu() as own:
                started = time.perf_counter()
                deadline = started + MAX_SECONDS
                tasks = [asyncio.create_task(client(i, c, deadline)) for i, c in enumerate(connections)]
                await asyncio.sleep(0)  # every client waits at the start line
                start.set()
                _, unfinished = await asyncio.wait(tasks, timeout=MAX_SECONDS + 5)
                for task in unfinished:
                    task.cancel()
                await asyncio.gather(*tasks, return_exceptions=True)
                elapsed = time.perf_counter() - started
            if unfinished:
                run.outcomes["stuck, cancelled"] += len(unfinished)
            grace = time.perf_counter() + GRACE_SECONDS
            while time.perf_counter() < grace and not _all_seen(run, watchers):
                await asyncio.sleep(0.05)
        finally:
            await asyncio.gather(*(c.close() for c in connections))
            for listener in listeners:
                listener.cancel()
            await asyncio.gather(*listeners, return_exceptions=True)
    return await _judge(ctx, showing_id, run, watchers, started, elapsed, sampler.usage, own.usage.cpu_share)


def choose_neighbours(free: list[tuple[str, str, int]], wanted: int, chooser: random.Random) -> list[str]:
    """What a person picks: ``wanted`` neighbouring free seats of one row (at random among the places that have
    them), else fewer, down to a single seat, so the last seats of a sold-out premiere still sell."""
    places = {(row, number): seat_id for seat_id, row, number in free}
    for size in range(wanted, 0, -1):
        starts = [
            (row, number) for (row, number) in places if all((row, number + step) in places for step in range(size))
        ]
        if starts:
            row, number = chooser.choice(sorted(starts))
            return [places[(row, number + step)] for step in range(size)]
    return []


def _all_seen(run: _Premiere, watchers: list[_Watcher]) -> bool:
    return all(seat in w.booked_at for w in watchers for _, _, seats in run.sold for seat in seats)


async def _judge(
    ctx: Context,
    showing_id: str,
    run: _Premiere,
    watchers: list[_Watcher],
    started: float,
    elapsed: float,
    usage: Usage,
    generator_cpu: float,
) -> ScenarioResult:
    connection = await ctx.database.connect()
    try:
        row = await connection.fetchrow(
            """
            SELECT count(*) AS claims, count(DISTINCT sr.seat_id) AS seats,
                   (SELECT count(*) FROM seats s JOIN showings sh ON sh.room_id = s.room_id
                    WHERE sh.id = $1::uuid) AS capacity
            FROM seat_reservations sr JOIN bookings b ON b.id = sr.booking_id
            WHERE sr.showing_id = $1::uuid AND b.status IN ('pending', 'confirmed')
            """,
            showing_id,
        )
    finally:
        await connection.close()
    assert row is not None
    seats_in_db, capacity = int(row["seats"]), int(row["capacity"])
    double_in_db = int(row["claims"]) - seats_in_db
    sold_in_answers = [seat for _, _, seats in run.sold for seat in seats]
    double_in_answers = len(sold_in_answers) - len(set(sold_in_answers))
    sold_out = seats_in_db == capacity and len(set(sold_in_answers)) == capacity
    sold_out_after = max(at for _, at, _ in run.sold) - started if run.sold else 0.0
    server_errors = sum(n for status, n in (run.reads + run.bookings).items() if status >= 500)
    unanswered = run.reads.get(NO_ANSWER, 0) + run.bookings.get(NO_ANSWER, 0)
    delays: list[float] = []
    lost = 0
    for _, answered, seats in run.sold:
        for watcher in watchers:
            seen = [watcher.booked_at.get(seat) for seat in seats]
            if any(at is None for at in seen):
                lost += 1
            else:
                delays.append(max(0.0, max(at for at in seen if at is not None) - answered))
    good_reads = run.reads.get(200, 0) + run.reads.get(304, 0)
    # 422 is the single-seat rule refusing a pair that would now strand a seat: expected in a race, like a 409.
    unexpected = sum(n for status, n in run.bookings.items() if status not in (201, 409, 422))
    unexpected += sum(n for status, n in run.reads.items() if status not in (200, 304))
    result = ScenarioResult(
        name="premiere",
        load=f"asyncio, {CLIENTS} clients, {MQTT_CONNECTIONS} MQTT connections",
        operations=good_reads,
        seconds=elapsed,
        unit="reads/s",
        # A message that never came is infinitely late: the percentiles count it (so "inf" when many are lost).
        p50_ms=percentile(delays + [math.inf] * lost, 50) * 1000,
        p99_ms=percentile(delays + [math.inf] * lost, 99) * 1000,
        errors=unexpected + double_in_db + double_in_answers + lost,
        service=usage,
        generator_cpu=generator_cpu,
    )
    result.details += [
        (f"sold out after {sold_out_after:.2f} s" if sold_out else "**not sold out**")
        + f" ({seats_in_db}/{capacity} seats in the database, {len(set(sold_in_answers))} in {len(run.sold)} "
        f"answers); double bookings: {double_in_db} in the database, {double_in_answers} in the answers; "
        f"5xx: {server_errors}; requests whose connection closed without an answer: {unanswered}",
        f"p50/p99 are the live-map delay, 201 → `seats/status` with the seats `booked`, per booking and MQTT "
        f"connection, a lost message counting as infinitely late "
        f"({len(delays)} matched, lost {lost}; {sum(w.messages for w in watchers)} messages received)",
        f"seat map reads {dict(sorted(run.reads.items()))} (0: closed without an answer), "
        f"{good_reads / elapsed if elapsed else 0:,.0f}/s, "
        f"p50 {percentile(run.read_latencies, 50) * 1000:.0f} ms, p99 {percentile(run.read_latencies, 99) * 1000:.0f} "
        f"ms; bookings {dict(sorted(run.bookings.items()))}, p50 {percentile(run.booking_latencies, 50) * 1000:.0f} "
        f"ms, p99 {percentile(run.booking_latencies, 99) * 1000:.0f} ms",
        f"clients: {dict(run.outcomes.most_common())}; all stopped after {elapsed:.1f} s (limit {MAX_SECONDS:.0f} s, "
        f"{MAX_ATTEMPTS} attempts each)",
    ]
    result.extra = {
        "sold_out": float(sold_out),
        "sold_out_s": sold_out_after if sold_out else -1.0,
        "double": double_in_db + double_in_answers,
        "server_errors": server_errors,
        "unanswered": unanswered,
        "lost": lost,
        "reads_per_s": good_reads / elapsed if elapsed else 0.0,
    }
    return result
