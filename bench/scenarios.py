"""The scenarios, in the order the runner calls them. Each one measures the service while it runs."""

from __future__ import annotations

import asyncio
import contextlib
import functools
import json
import math
import random
import secrets
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from itertools import islice
from pathlib import Path
from typing import Any

import aiomqtt
import httpx

from bench.infra import BenchBroker, BenchDatabase, Service
from bench.profiling import Recording
from bench.rawhttp import HttpConnection, Response
from bench.results import ScenarioResult, percentile
from bench.sampler import OwnCpu, ServiceSampler, Usage
from bench.seeding import (
    PAIRS_PER_SHOWING,
    BookingPlan,
    Catalogue,
    add_showings,
    expect,
    occupy,
    outbox_backlog,
)
from bench.wrk import Wrk, WrkResult

WARMUP_SECONDS = 1.0
READ_HEADERS = ("Accept-Encoding: gzip",)  # as browsers send it
# Booking bodies are made for bookings at up to this share of the baseline rate (3x the target), so wrk never
# runs out of fresh seats; "wrapped" in the details says if it did.
BOOKING_HEADROOM = 0.25
CONTENDERS = 500
CONTENDED_SEATS = 40
DRAIN_SECONDS = 30.0  # the longest wait for the outbox to drain between scenarios
CONTENTION_MAX_SECONDS = 20.0
STRAGGLER_SECONDS = 10.0  # after a scenario's time is up, how long answers still in flight are waited for
LIVE_MAP_RATE = 200.0  # bookings per second, open loop (issue 12) ...
LIVE_MAP_BASELINE_SHARE = 0.06  # ... or 6 % of the /healthz rate when that is lower (a loaded machine)
LIVE_MAP_SECONDS = 10.0
LIVE_MAP_OVERRUN_SECONDS = 10.0  # a service that falls far behind is cut off, not waited for
LIVE_MAP_GRACE_SECONDS = 5.0  # after the last 201, how long messages may still arrive before they count as lost
LIVE_MAP_CONNECTIONS = 64
LIVE_MAP_LATE_SECONDS = 0.1


@dataclass
class Context:
    service: Service
    database: BenchDatabase
    broker: BenchBroker
    catalogue: Catalogue
    client: httpx.AsyncClient
    wrk: Wrk
    work_dir: Path
    duration: float
    connections: int

    profile_dir: Path | None = None

    @contextlib.contextmanager
    def measure(self, name: str) -> Iterator[ServiceSampler]:
        """Sample the service's RSS and CPU (and record it with py-spy under ``--profile``) while a block runs."""
        recording = Recording(self.profile_dir, name, self.service.pid) if self.profile_dir else None
        try:
            with ServiceSampler(self.service.pid) as sampler:
                yield sampler
        finally:
            if recording is not None:
                recording.stop()

    async def connections_to_service(self, count: int) -> list[HttpConnection]:
        """Open connections (each checked with a ``GET /healthz``), so no scenario times a TCP handshake."""
        opened = [HttpConnection("127.0.0.1", self.service.port) for _ in range(count)]
        answers = await asyncio.gather(*(c.request("GET", "/healthz") for c in opened))
        if any(answer.status != 200 for answer in answers):
            raise RuntimeError("GET /healthz failed while opening connections")
        return opened

    async def drain_outbox(self, result: ScenarioResult | None = None, timeout: float = DRAIN_SECONDS) -> None:
        """Wait until the relay has sent every outbox row, so the next scenario starts from a quiet service; note
        the backlog the scenario left and how fast the relay cleared it (its throughput, apart from the HTTP load)."""
        started = time.perf_counter()
        backlog = pending = await outbox_backlog(self.client, self.catalogue.manager_token)
        while pending and time.perf_counter() - started < timeout:
            await asyncio.sleep(0.25)
            pending = await outbox_backlog(self.client, self.catalogue.manager_token)
        took = time.perf_counter() - started
        if pending:  # bounded: noted, and the next scenario starts with that backlog
            note = f"the outbox still had {pending} of {backlog} rows pending after {timeout:.0f} s"
            print(f"bench:   {note}", flush=True)
            if result is not None:
                result.details.append(f"**{note}** (the next scenario started with them)")
            return
        if result is not None and backlog and "outbox_backlog" not in result.extra:
            rate = f" (≈ {backlog / took:,.0f} rows/s)" if backlog and took > 0.5 else ""
            result.details.append(f"outbox backlog when it ended: {backlog} rows, sent within {took:.1f} s{rate}")
            result.extra["outbox_backlog"] = backlog
            result.extra["outbox_drain_s"] = took
        if backlog:
            print(f"bench:   outbox backlog {backlog} rows, drained in {took:.1f} s", flush=True)

    async def fresh_showings(self, count: int) -> list[str]:
        started = time.perf_counter()
        await add_showings(self.client, self.catalogue, count)
        if count > 1:
            print(f"bench:   {count} showings scheduled in {time.perf_counter() - started:.1f} s", flush=True)
        return self.catalogue.take_showings(count)


def _ms(seconds: float) -> float:
    return seconds * 1000


async def _book(connection: HttpConnection, plan: BookingPlan, *, confirm: bool) -> Response:
    return await connection.request(
        "POST", "/bookings", body=plan.body(confirm=confirm).encode(), token=plan.customer.token
    )


async def _bounded(tasks: list[asyncio.Task[None]], timeout: float) -> int:
    """Wait for the tasks at most ``timeout`` seconds, cancel the ones still running; how many were cancelled."""
    _, unfinished = await asyncio.wait(tasks, timeout=timeout)
    for task in unfinished:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
    if unfinished:
        print(f"bench:   {len(unfinished)} clients still waiting after {timeout:.0f} s were cancelled", flush=True)
    return len(unfinished)


async def _close(connections: list[HttpConnection]) -> None:
    await asyncio.gather(*(c.close() for c in connections))


async def _publish_lag(ctx: Context, result: ScenarioResult, showings: list[str]) -> None:
    """After the outbox drained: how long each ``seats/status`` row of these showings waited between its
    transaction and its publication (the outbox's ``created_at`` and ``sent_at``), i.e. what a subscriber saw
    while the service was saturated."""
    await ctx.drain_outbox(result)
    connection = await ctx.database.connect()
    try:
        row = await connection.fetchrow(
            """
            SELECT count(*) AS n,
                   percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM sent_at - created_at)) AS p50,
                   percentile_cont(0.99) WITHIN GROUP (ORDER BY extract(epoch FROM sent_at - created_at)) AS p99
            FROM outbox
            WHERE channel = 'mqtt' AND kind = 'seats_delta' AND showing_id = ANY($1::uuid[]) AND sent_at IS NOT NULL
            """,
            showings,
        )
    finally:
        await connection.close()
    if row is not None and row["n"]:
        result.details.append(
            f"`seats/status` publication lag during this load (outbox `sent_at − created_at`, {row['n']} messages): "
            f"p50 {_ms(float(row['p50'])):,.0f} ms, p99 {_ms(float(row['p99'])):,.0f} ms"
        )
        result.extra["publish_lag_p99_ms"] = _ms(float(row["p99"]))


def _from_wrk(name: str, ctx: Context, result: WrkResult, sampler: ServiceSampler, errors: int) -> ScenarioResult:
    return ScenarioResult(
        name=name,
        load=f"wrk, {ctx.connections} connections",
        operations=result.requests,
        seconds=result.duration_s,
        unit="req/s",
        p50_ms=result.p50_ms,
        p99_ms=result.p99_ms,
        errors=errors,
        service=sampler.usage,
        generator_cpu=result.cpu_share,
    )


async def _read(ctx: Context, name: str, path: str, *, conditional: bool = False) -> ScenarioResult:
    url = f"{ctx.service.base_url}{path}"
    headers = () if path == "/healthz" else READ_HEADERS
    mode = " (`If-None-Match`)" if conditional else ""
    if conditional:
        probe = await ctx.client.get(path, headers={"Accept-Encoding": "gzip"})
        etag = probe.headers.get("etag")
        if probe.status_code != 200 or not etag:
            return _not_measured(ctx, f"{name} (If-None-Match)", path, f"answered {probe.status_code} without an ETag")
        again = await ctx.client.get(path, headers={"Accept-Encoding": "gzip", "If-None-Match": etag})
        if again.status_code != 304:
            note = f"answered {again.status_code} (not 304) to its own ETag"
            return _not_measured(ctx, f"{name} (If-None-Match)", path, note)
    run = functools.partial(ctx.wrk.run, url, connections=ctx.connections, conditional=conditional, headers=headers)
    if not conditional:  # the conditional run follows the plain one of the same URL, which warmed it up
        await asyncio.to_thread(run, duration_s=WARMUP_SECONDS)
    with ctx.measure(name + mode) as sampler:
        result = await asyncio.to_thread(run, duration_s=ctx.duration)
    if conditional:
        errors = result.count_not(200) - result.statuses.get(304, 0)
    else:
        errors = result.socket_errors + result.status_errors
    outcome = _from_wrk(name + (" (If-None-Match)" if conditional else ""), ctx, result, sampler, errors)
    per_response = result.bytes_read / result.requests if result.requests else 0.0
    outcome.details.append(
        f"`GET {path}`{mode}"
        + (f" with `{'`, `'.join(headers)}`" if headers else "")
        + f"; p90 {result.p90_ms:.1f} ms, max {result.max_ms:.1f} ms; {per_response:,.0f} bytes per response "
        "(headers included)"
    )
    if conditional:
        answered = sum(result.statuses.values()) or 1
        outcome.details.append(
            f"answers {dict(sorted(result.statuses.items()))} ({result.statuses.get(304, 0) / answered:.1%} 304)"
        )
        outcome.extra["not_modified_share"] = result.statuses.get(304, 0) / answered
    return outcome


def _not_measured(ctx: Context, name: str, path: str, why: str) -> ScenarioResult:
    """A conditional read the service cannot serve yet: reported as such, not a failure of the benchmark."""
    result = ScenarioResult(
        name=name,
        load="–",
        operations=0,
        seconds=0.0,
        unit="req/s",
        p50_ms=0.0,
        p99_ms=0.0,
        errors=0,
        service=Usage(0, 0.0, 0.0),
        generator_cpu=0.0,
    )
    result.details.append(f"not measured: `GET {path}` {why}")
    result.extra["no_etag"] = 1
    return result


async def baseline(ctx: Context) -> ScenarioResult:
    return await _read(ctx, "baseline", "/healthz")


@dataclass(frozen=True)
class Read:
    name: str
    path: str
    note: str


async def prepare_reads(ctx: Context) -> list[Read]:
    """The four reads of issue 12, on data made once (the runs with more workers read the same)."""
    [showing_id] = await ctx.fresh_showings(1)
    await occupy(ctx.client, ctx.catalogue, showing_id, booked=40, held=10)
    document = expect(await ctx.client.get(f"/showings/{showing_id}/seats"), 200)
    statuses = Counter(seat["status"] for seat in document["seats"])
    list_path = f"/showings?date={ctx.catalogue.list_day.isoformat()}&limit=20"
    page = expect(await ctx.client.get(list_path), 200)
    movies = expect(await ctx.client.get("/movies?limit=20"), 200)
    return [
        Read(
            "seat map",
            f"/showings/{showing_id}/seats",
            f"{len(document['seats'])} seats: {dict(sorted(statuses.items()))}",
        ),
        Read("showings list", list_path, f"{len(page['items'])} items per page of {page['total']} that day"),
        Read("showing", f"/showings/{showing_id}", "one showing (the seat map's)"),
        Read("movies list", "/movies?limit=20", f"{len(movies['items'])} items per page of {movies['total']} movies"),
    ]


async def read(ctx: Context, item: Read, *, conditional: bool) -> ScenarioResult:
    result = await _read(ctx, item.name, item.path, conditional=conditional)
    result.details.append(item.note)
    return result


async def booking(ctx: Context, baseline_rps: float) -> ScenarioResult:
    """wrk POSTs pre-made bodies: each a fresh pair of seats of a fresh showing, with its customer's token.

    Warmed up like the reads: WARMUP_SECONDS of the same load on other showings first (not measured; its outbox
    drained), so the pooled connections have prepared the booking's statements and PostgreSQL has planned them, as in
    a service that has been running. Without it the measured seconds also paid each connection's first statements
    (asyncpg's prepare and type introspection, PostgreSQL's first custom plans)."""

    async def bodies_for(bookings: float, name: str) -> tuple[list[str], Path]:
        showings = await ctx.fresh_showings(math.ceil(bookings / PAIRS_PER_SHOWING) + 1)
        path = ctx.work_dir / name
        with path.open("w") as out:
            for plan in ctx.catalogue.plans(showings):
                out.write(f"{plan.customer.token}\t{plan.body(confirm=True)}\n")
        return showings, path

    rate = max(baseline_rps * BOOKING_HEADROOM, 200.0)
    _, warm_up = await bodies_for(rate * WARMUP_SECONDS, "bookings-warm-up.tsv")
    showings, bodies = await bodies_for(rate * ctx.duration, "bookings.tsv")
    await asyncio.to_thread(
        ctx.wrk.run,
        ctx.service.base_url,
        duration_s=WARMUP_SECONDS,
        connections=ctx.connections,
        post=("/bookings", warm_up),
    )
    await ctx.drain_outbox()
    with ctx.measure("booking") as sampler:
        result = await asyncio.to_thread(
            ctx.wrk.run,
            ctx.service.base_url,
            duration_s=ctx.duration,
            connections=ctx.connections,
            post=("/bookings", bodies),
        )
    created = result.statuses.get(201, 0)
    outcome = _from_wrk("booking", ctx, result, sampler, result.count_not(201))
    outcome.operations, outcome.unit = created, "bookings/s"
    connection = await ctx.database.connect()
    try:
        confirmed = await connection.fetchval(
            "SELECT count(*) FROM bookings WHERE showing_id = ANY($1::uuid[]) AND status = 'confirmed'", showings
        )
    finally:
        await connection.close()
    # Requests still in flight when wrk stops are answered to nobody, but they do book: up to one per connection.
    in_flight = confirmed - created
    outcome.details.append(
        f"`POST /bookings` (`confirm: true`, 2 seats); answers {dict(sorted(result.statuses.items()))}; "
        f"{confirmed} confirmed bookings in the database for {created} × 201 ({in_flight} still in flight when "
        f"wrk stopped); bodies prepared for {len(showings)} showings, reused: {result.wrapped}"
    )
    if not 0 <= in_flight <= ctx.connections:
        outcome.errors += abs(in_flight)
    await _publish_lag(ctx, outcome, showings)
    return outcome


async def hold_and_confirm(ctx: Context, booking_rate: float) -> ScenarioResult:
    """Asyncio workers, each: hold 2 seats (``POST /bookings``), then ``POST /bookings/{id}/confirm``."""
    expected_pairs = max(booking_rate, 50.0) * ctx.duration
    showings = await ctx.fresh_showings(math.ceil(expected_pairs / PAIRS_PER_SHOWING) + 1)
    plans = ctx.catalogue.plans(showings)
    latencies: list[float] = []
    failures: Counter[str] = Counter()
    ran_out = False

    async def worker(connection: HttpConnection, deadline: float) -> None:
        nonlocal ran_out
        while time.perf_counter() < deadline:
            plan = next(plans, None)
            if plan is None:
                ran_out = True
                return
            started = time.perf_counter()
            held = await _book(connection, plan, confirm=False)
            if held.status != 201:
                failures[f"hold {held.status}"] += 1
                continue
            path = f"/bookings/{held.json()['id']}/confirm"
            confirmed = await connection.request("POST", path, token=plan.customer.token)
            if confirmed.status != 200 or confirmed.json()["status"] != "confirmed":
                failures[f"confirm {confirmed.status}"] += 1
                continue
            latencies.append(time.perf_counter() - started)

    connections = await ctx.connections_to_service(ctx.connections)
    try:
        with ctx.measure("hold + confirm") as sampler, OwnCpu() as own:
            started = time.perf_counter()
            workers = [asyncio.create_task(worker(c, started + ctx.duration)) for c in connections]
            await _bounded(workers, ctx.duration + STRAGGLER_SECONDS)
            elapsed = time.perf_counter() - started
    finally:
        await _close(connections)
    result = ScenarioResult(
        name="hold + confirm",
        load=f"asyncio, {ctx.connections} connections",
        operations=len(latencies),
        seconds=elapsed,
        unit="pairs/s",
        p50_ms=_ms(percentile(latencies, 50)),
        p99_ms=_ms(percentile(latencies, 99)),
        errors=sum(failures.values()),
        service=sampler.usage,
        generator_cpu=own.usage.cpu_share,
    )
    result.details.append(
        "latency of the pair `POST /bookings` (hold) + `POST /bookings/{id}/confirm`; "
        f"failures {dict(failures) or 'none'}" + ("; ran out of prepared seats" if ran_out else "")
    )
    await _publish_lag(ctx, result, showings)
    return result


@dataclass
class _Race:
    statuses: Counter[int]
    latencies: list[float]
    sold: list[tuple[float, list[str]]]
    map_reads: int = 0
    unexpected: Counter[str] = field(default_factory=Counter)


async def contention(ctx: Context) -> ScenarioResult:
    """500 customers want the same 40 seats at the same moment. Each asks for 2 of the seats it believes free;
    after a 409 it reads the seat map, as a real client would, and tries again with what is still available,
    until it has a booking or sees nothing left."""
    [showing_id] = await ctx.fresh_showings(1)
    wanted_seats = ctx.catalogue.seat_ids[:CONTENDED_SEATS]
    wanted = set(wanted_seats)
    customers = ctx.catalogue.customers
    race = _Race(Counter(), [], [])
    start = asyncio.Event()

    async def contender(index: int, connection: HttpConnection) -> None:
        customer, chooser = customers[index % len(customers)], random.Random(index)
        free = list(wanted_seats)
        await start.wait()
        deadline = time.perf_counter() + CONTENTION_MAX_SECONDS
        while free and time.perf_counter() < deadline:
            asked = chooser.sample(free, min(2, len(free)))
            body = {"showing_id": showing_id, "seat_ids": asked, "confirm": True}
            sent = time.perf_counter()
            response = await connection.request("POST", "/bookings", body=body, token=customer.token)
            answered = time.perf_counter()
            race.latencies.append(answered - sent)
            race.statuses[response.status] += 1
            if response.status == 201:
                race.sold.append((answered, asked))
                return
            if response.status != 409:
                problem = response.json() if response.body.startswith(b"{") else {}
                race.unexpected[f"{response.status} {problem.get('code', '')}".strip()] += 1
                return
            seat_map = await connection.request("GET", f"/showings/{showing_id}/seats")
            race.map_reads += 1
            if seat_map.status != 200:
                race.statuses[seat_map.status] += 1
                return
            free = [
                s["seat_id"] for s in seat_map.json()["seats"] if s["seat_id"] in wanted and s["status"] == "available"
            ]

    connections = await ctx.connections_to_service(CONTENDERS)
    try:
        tasks = [asyncio.create_task(contender(i, c)) for i, c in enumerate(connections)]
        await asyncio.sleep(0.1)  # every contender waits at the start line
        with ctx.measure("contention") as sampler, OwnCpu() as own:
            started = time.perf_counter()
            start.set()
            await _bounded(tasks, CONTENTION_MAX_SECONDS + STRAGGLER_SECONDS)
            elapsed = time.perf_counter() - started
    finally:
        await _close(connections)
    return await _judge_race(ctx, showing_id, race, started, elapsed, sampler, own)


async def _judge_race(
    ctx: Context,
    showing_id: str,
    race: _Race,
    started: float,
    elapsed: float,
    sampler: ServiceSampler,
    own: OwnCpu,
) -> ScenarioResult:
    sold_in_answers = [seat for _, seats in race.sold for seat in seats]
    connection = await ctx.database.connect()
    try:
        row = await connection.fetchrow(
            """
            SELECT count(*) AS claims, count(DISTINCT sr.seat_id) AS seats
            FROM seat_reservations sr JOIN bookings b ON b.id = sr.booking_id
            WHERE sr.showing_id = $1::uuid AND b.status IN ('pending', 'confirmed')
            """,
            showing_id,
        )
    finally:
        await connection.close()
    assert row is not None
    double_in_db = int(row["claims"]) - int(row["seats"])
    double_in_answers = len(sold_in_answers) - len(set(sold_in_answers))
    seat_map = expect(await ctx.client.get(f"/showings/{showing_id}/seats"), 200)
    booked_on_map = sum(1 for seat in seat_map["seats"] if seat["status"] == "booked")
    server_errors = sum(n for status, n in race.statuses.items() if status >= 500)
    unexpected = sum(n for status, n in race.statuses.items() if status not in (201, 409))
    sold_out = len(set(sold_in_answers)) == CONTENDED_SEATS
    sold_out_after = max(at for at, _ in race.sold) - started if race.sold else 0.0
    result = ScenarioResult(
        name="contention",
        load=f"asyncio, {CONTENDERS} clients",
        operations=sum(race.statuses.values()),
        seconds=elapsed,
        unit="req/s",
        p50_ms=_ms(percentile(race.latencies, 50)),
        p99_ms=_ms(percentile(race.latencies, 99)),
        errors=unexpected + double_in_db + double_in_answers,
        service=sampler.usage,
        generator_cpu=own.usage.cpu_share,
    )
    result.details.append(
        f"{len(set(sold_in_answers))}/{CONTENDED_SEATS} seats sold in {len(race.sold)} bookings "
        f"({int(row['seats'])} in the database, {booked_on_map} booked on the seat map); "
        f"double bookings: {double_in_db} in the database, {double_in_answers} in the answers; "
        f"{sum(race.statuses.values())} booking attempts, 409: {race.statuses.get(409, 0)}, 5xx: {server_errors}, "
        f"{race.map_reads} seat map reads after a 409; "
        + (f"other answers {dict(race.unexpected)}; " if race.unexpected else "")
        + (f"sold out after {_ms(sold_out_after):.0f} ms" if sold_out else "**not sold out**")
    )
    result.extra = {
        "sold": len(set(sold_in_answers)),
        "double": double_in_db + double_in_answers,
        "server_errors": server_errors,
        "conflicts": race.statuses.get(409, 0),
        "sold_out_ms": _ms(sold_out_after) if sold_out else -1.0,
    }
    return result


def live_map_rate(baseline_rps: float) -> tuple[float, str]:
    """200 bookings/s, or 6 % of the run's ``/healthz`` rate when that is lower (issue 12), and which it was."""
    share = baseline_rps * LIVE_MAP_BASELINE_SHARE
    if share < LIVE_MAP_RATE:
        return max(1.0, share), f"6 % of /healthz ({baseline_rps:,.0f} req/s), lower than {LIVE_MAP_RATE:.0f}/s"
    return LIVE_MAP_RATE, f"{LIVE_MAP_RATE:.0f}/s (6 % of /healthz would be {share:,.0f}/s)"


async def live_map(ctx: Context, baseline_rps: float) -> ScenarioResult:
    """Bookings (``confirm: true``) at a steady rate for 10 s, open loop; an MQTT subscriber on
    ``seats/status/#`` times each seat's ``booked`` message against the 201 that booked it."""
    rate, rate_source = live_map_rate(baseline_rps)
    total = int(rate * LIVE_MAP_SECONDS)
    showings = await ctx.fresh_showings(math.ceil(total / PAIRS_PER_SHOWING))
    plans = list(islice(ctx.catalogue.plans(showings), total))
    ours = set(showings)
    arrivals: dict[tuple[str, str], float] = {}
    answered: list[tuple[BookingPlan, float, float]] = []
    lateness: list[float] = []
    failures: Counter[int] = Counter()
    host, port = ctx.broker.host_port

    async with aiomqtt.Client(hostname=host, port=port, identifier=f"bench-{secrets.token_hex(4)}") as mqtt:
        await mqtt.subscribe("seats/status/#", qos=1)

        async def listen() -> None:
            async for message in mqtt.messages:
                received = time.perf_counter()
                payload = message_payload(message)
                if payload is None or payload.get("showing_id") not in ours:
                    continue
                for seat in payload.get("seats", []):
                    if seat.get("status") == "booked":
                        arrivals.setdefault((payload["showing_id"], seat["seat_id"]), received)

        listener = asyncio.create_task(listen())
        idle: asyncio.Queue[HttpConnection] = asyncio.Queue()
        connections = await ctx.connections_to_service(LIVE_MAP_CONNECTIONS)
        for connection in connections:
            idle.put_nowait(connection)

        async def one(plan: BookingPlan, at: float) -> None:
            await asyncio.sleep(max(0.0, at - time.perf_counter()))
            connection = await idle.get()
            try:
                sent = time.perf_counter()
                lateness.append(sent - at)
                response = await _book(connection, plan, confirm=True)
                received = time.perf_counter()
            finally:
                idle.put_nowait(connection)
            if response.status == 201:
                answered.append((plan, sent, received))
            else:
                failures[response.status] += 1

        def all_arrived() -> bool:
            return all((p.showing_id, s) in arrivals for p, _, _ in answered for s in p.seat_ids)

        try:
            with ctx.measure("live map") as sampler, OwnCpu() as own:
                started = time.perf_counter()
                sending = [asyncio.create_task(one(plan, started + i / rate)) for i, plan in enumerate(plans)]
                _, unfinished = await asyncio.wait(sending, timeout=LIVE_MAP_SECONDS + LIVE_MAP_OVERRUN_SECONDS)
                for task in unfinished:
                    task.cancel()
                await asyncio.gather(*unfinished, return_exceptions=True)
                if unfinished:
                    failures[0] += len(unfinished)  # 0: cut off, unanswered
                elapsed = time.perf_counter() - started
                grace = time.perf_counter() + LIVE_MAP_GRACE_SECONDS
                while not all_arrived() and time.perf_counter() < grace:
                    await asyncio.sleep(0.05)
        finally:
            await _close(connections)
            listener.cancel()
            await asyncio.gather(listener, return_exceptions=True)
    result = _judge_delivery(rate, answered, arrivals, failures, elapsed, sampler, own)
    # The rate is kept when every booking was sent on time (a free connection at its moment) and answered 201, so
    # the service took them at the asked rate.
    late = sum(1 for delay in lateness if delay > LIVE_MAP_LATE_SECONDS)
    achieved = len(answered) / elapsed if elapsed > 0 else 0.0
    kept = not failures and late <= len(plans) * 0.01 and achieved >= rate * 0.95
    result.details.insert(
        0,
        f"rate {rate:,.0f} bookings/s for {LIVE_MAP_SECONDS:.0f} s: {rate_source}; achieved {achieved:,.0f}/s; "
        f"{late} of {len(plans)} sent more than {_ms(LIVE_MAP_LATE_SECONDS):.0f} ms late (all "
        f"{LIVE_MAP_CONNECTIONS} connections busy); rate " + ("kept" if kept else "**not kept**"),
    )
    result.extra.update(rate=rate, rate_kept=float(kept), rate_is_200=float(rate == LIVE_MAP_RATE))
    return result


def message_payload(message: aiomqtt.Message) -> dict[str, Any] | None:
    if not isinstance(message.payload, bytes | bytearray | str):
        return None
    try:
        payload = json.loads(message.payload)
    except ValueError:
        return None
    return payload if isinstance(payload, dict) else None


def _judge_delivery(
    rate: float,
    answered: list[tuple[BookingPlan, float, float]],
    arrivals: dict[tuple[str, str], float],
    failures: Counter[int],
    elapsed: float,
    sampler: ServiceSampler,
    own: OwnCpu,
) -> ScenarioResult:
    delays: list[float] = []
    since_sent: list[float] = []
    lost = early = 0
    for plan, sent, received in answered:
        times = [arrivals.get((plan.showing_id, seat)) for seat in plan.seat_ids]
        if any(t is None for t in times):
            lost += 1
            continue
        last = max(t for t in times if t is not None)
        early += last < received
        delays.append(max(0.0, last - received))
        since_sent.append(last - sent)
    result = ScenarioResult(
        name="live map",
        load=f"asyncio, {rate:.0f} bookings/s + MQTT subscriber",
        operations=len(answered),
        seconds=elapsed,
        unit="bookings/s",
        # A message that never came is infinitely late: the percentiles count it (so "inf" when many are lost).
        p50_ms=_ms(percentile(delays + [math.inf] * lost, 50)),
        p99_ms=_ms(percentile(delays + [math.inf] * lost, 99)),
        errors=sum(failures.values()) + lost,
        service=sampler.usage,
        generator_cpu=own.usage.cpu_share,
    )
    result.details.append(
        f"p50/p99 are the delay from the 201 to the `seats/status` message, a lost one counting as infinitely "
        f"late: {len(delays)} matched, lost {lost}, "
        f"{early} arrived before the 201 (counted as 0 ms); from the request being sent: "
        f"p50 {_ms(percentile(since_sent, 50)):.1f} ms, p99 {_ms(percentile(since_sent, 99)):.1f} ms; "
        f"booking failures {dict(failures) or 'none'} (0: no answer before the cut-off)"
    )
    result.extra = {"lost": lost}
    return result
