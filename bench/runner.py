"""``python -m bench``: set up, run every scenario, report, and stop everything that was started."""

from __future__ import annotations

import argparse
import asyncio
import atexit
import contextlib
import functools
import os
import secrets
import shutil
import signal
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Awaitable, Callable, Sequence
from pathlib import Path
from zoneinfo import ZoneInfo

import httpx

from bench import premiere, scenarios
from bench.infra import DEFAULT_DATABASE_URL, DEFAULT_MQTT_URL, JWT_ISSUER, BenchBroker, BenchDatabase, Service
from bench.report import describe_machine, kept_gained, render, results_table, targets_table
from bench.results import ScenarioResult
from bench.sampler import wait_for_quiet
from bench.seeding import MANAGER_EMAIL, add_showings, create_catalogue, create_movies, log_in, mint_customers
from bench.targets import evaluate
from bench.wrk import Wrk, WrkMissing

READ_SCENARIOS = {
    "seat-map": "seat map",
    "showings-list": "showings list",
    "showing": "showing",
    "movies-list": "movies list",
}
SCENARIOS = ("baseline", *READ_SCENARIOS, "booking", "hold-confirm", "contention", "live-map", "premiere")
# The premiere is the same race at full scale; contention (500 clients, 40 seats) runs when asked with --only.
DEFAULT_SCENARIOS = tuple(name for name in SCENARIOS if name != "contention")
# What runs again with each further --workers:
MORE_WORKERS_SCENARIOS = {"baseline", *READ_SCENARIOS, "booking", "live-map"}
CUSTOMERS = premiere.CLIENTS  # signed tokens, not registrations: see seeding.mint_customers
MOVIES = 20  # besides the one that is shown, so GET /movies fills a page of 20
LIST_DAY_SHOWINGS = 24  # a whole local day of hourly showings, so GET /showings?date= fills a page of 20


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m bench", description="LynrieScoop benchmarks")
    parser.add_argument("--duration", type=float, default=5.0, help="seconds per wrk scenario (default 5)")
    parser.add_argument("--connections", type=int, default=32, help="concurrent connections (default 32)")
    parser.add_argument(
        "--only", nargs="+", choices=SCENARIOS, help="run only these scenarios (the baseline always runs)"
    )
    parser.add_argument(
        "--workers",
        type=int,
        nargs="+",
        default=[1, 2],
        metavar="N",
        help="`lynriescoop serve --workers N` for each N in turn: every scenario with the first, then the baseline, "
        "the reads, booking and the live map with each other (default: 1 2)",
    )
    parser.add_argument("--output", type=Path, default=Path("docs/benchmarks.md"), help="where the report goes")
    parser.add_argument("--no-write", action="store_true", help="print the tables, do not write the report")
    parser.add_argument("--keep-database", action="store_true", help="do not drop the benchmark database")
    parser.add_argument(
        "--settle",
        type=float,
        default=5.0,
        metavar="SECONDS",
        help="wait up to this long for the machine to be quiet before measuring (default 5)",
    )
    parser.add_argument(
        "--profile", type=Path, metavar="DIR", help="record the service with py-spy during each scenario into DIR"
    )
    return parser


def _log(message: str) -> None:
    print(f"bench: {message}", flush=True)


async def _run(args: argparse.Namespace) -> int:
    started = time.perf_counter()
    wrk = Wrk()
    work_dir = Path(tempfile.mkdtemp(prefix="lynriescoop-bench-"))
    # Also at exit: the embedded PostgreSQL's own exit hook recreates its runtime directory under work_dir.
    atexit.register(shutil.rmtree, work_dir, ignore_errors=True)
    timezone = ZoneInfo(os.environ.get("CINEMA_TIMEZONE", "Europe/Brussels"))
    async with contextlib.AsyncExitStack() as stack:
        stack.callback(shutil.rmtree, work_dir, ignore_errors=True)
        stack.callback(wrk.kill)
        database = BenchDatabase(
            os.environ.get("BENCH_DATABASE_URL", DEFAULT_DATABASE_URL), work_dir, args.keep_database
        )
        stack.push_async_callback(database.drop)
        await database.create()
        broker = BenchBroker(os.environ.get("BENCH_MQTT_URL", DEFAULT_MQTT_URL))
        stack.callback(broker.stop)
        await asyncio.to_thread(broker.ensure)
        _log(f"database {database.origin}, broker {broker.origin}")

        first, *more = args.workers
        service = Service(database.url, broker.url, work_dir, workers=first)
        password = secrets.token_urlsafe(16)
        await asyncio.to_thread(service.create_manager, MANAGER_EMAIL, "Bench Manager", password)
        services = [service]  # every service started, stopped at the end whatever happens (stop is idempotent)
        stack.callback(lambda: [s.stop() for s in services])
        await service.start()
        await database.fill_version()
        _log(f"service pid {service.pid} on {service.base_url} ({first} worker(s))")

        client = await stack.enter_async_context(httpx.AsyncClient(base_url=service.base_url, timeout=30))
        seeding = time.perf_counter()
        manager_token = await log_in(client, MANAGER_EMAIL, password)
        catalogue = await create_catalogue(client, manager_token, timezone)
        await create_movies(client, manager_token, MOVIES)
        await add_showings(client, catalogue, LIST_DAY_SHOWINGS)
        catalogue.take_showings(LIST_DAY_SHOWINGS)  # read by the showings list, booked by nobody
        connection = await database.connect()
        try:
            catalogue.customers = await mint_customers(connection, service.jwt_secret, JWT_ISSUER, CUSTOMERS)
        finally:
            await connection.close()
        _log(
            f"seeded {MOVIES + 1} movies, {LIST_DAY_SHOWINGS} showings, {CUSTOMERS} customers in "
            f"{time.perf_counter() - seeding:.1f} s"
        )

        busy, waited = await asyncio.to_thread(wait_for_quiet, args.settle)
        quiet_note = f"{busy:.0%} busy before the scenarios started (waited {waited:.0f} s for a quiet machine)"
        _log(f"machine {quiet_note}")
        ctx = scenarios.Context(
            service, database, broker, catalogue, client, wrk, work_dir, args.duration, args.connections, args.profile
        )
        chosen = set(args.only or DEFAULT_SCENARIOS)
        results: list[ScenarioResult] = []
        try:
            reads = await scenarios.prepare_reads(ctx) if chosen & set(READ_SCENARIOS) else []
            await _scenarios(ctx, chosen, reads, results)
            for workers in more:
                _stop(ctx.service)
                ctx.service = Service(
                    database.url, broker.url, work_dir, jwt_secret=service.jwt_secret, workers=workers
                )
                services.append(ctx.service)
                await ctx.service.start()
                ctx.client = await stack.enter_async_context(
                    httpx.AsyncClient(base_url=ctx.service.base_url, timeout=30)
                )
                _log(f"service pid {ctx.service.pid} on {ctx.service.base_url} ({workers} workers)")
                await _scenarios(ctx, chosen & MORE_WORKERS_SCENARIOS, reads, results)
        except Exception:
            _log(f"failed; the service's last log lines:\n{ctx.service.log_tail()}")
            raise
        checks = evaluate(results)
        _stop(ctx.service)

    machine = describe_machine(
        postgres=f"{database.server_version} ({database.origin})",
        broker=broker.origin,
        generator=f"{wrk.version()} (1 thread) for throughput; asyncio + uvloop (`bench/rawhttp.py`) for the rest",
    )
    _log(f"the whole run took {time.perf_counter() - started:.0f} s")
    print()
    print(results_table(results))
    print()
    print(targets_table(checks))
    if not args.no_write:
        settings = [
            (
                "service",
                f"`lynriescoop serve --workers {first}` for every scenario"
                + "".join(f", then `--workers {n}` for the baseline, the reads, booking and the live map" for n in more)
                + " (a fresh service each time, on the same database); no reload, no debug",
            ),
            ("environment", "`ENVIRONMENT=production`, `LOG_FORMAT=json`, `LOG_LEVEL=WARNING`, other settings default"),
            ("mail", "no `SMTP_HOST`: confirmation emails written as `.eml` files to a temporary `MAIL_DIR`"),
            (
                "duration",
                f"{args.duration:.0f} s per wrk scenario (after a {scenarios.WARMUP_SECONDS:.0f} s warm-up), "
                f"{args.connections} connections; live map {scenarios.LIVE_MAP_SECONDS:.0f} s; premiere until sold "
                f"out (at most {premiere.MAX_SECONDS:.0f} s)",
            ),
            ("background load", quiet_note),
        ]
        previous = args.output.read_text() if args.output.exists() else ""
        text = render(machine, results, checks, settings, time.perf_counter() - started, kept_gained(previous))
        args.output.parent.mkdir(parents=True, exist_ok=True)
        args.output.write_text(text)
        _log(f"wrote {args.output}")
    return 0


def _stop(service: Service) -> None:
    errors = service.logged_errors()
    if errors:
        kinds = Counter(errors)
        _log(f"the service logged {len(errors)} errors: " + "; ".join(f"{n} × {k}" for k, n in kinds.most_common(5)))
    code = service.stop()
    if code not in (0, None):
        _log(f"the service exited with code {code} on SIGTERM")


async def _scenarios(
    ctx: scenarios.Context, chosen: set[str], reads: list[scenarios.Read], results: list[ScenarioResult]
) -> None:
    workers = ctx.service.workers

    async def step(name: str, run: Callable[[], Awaitable[ScenarioResult]]) -> ScenarioResult | None:
        if name != "baseline" and name not in chosen:
            return None
        await ctx.drain_outbox()  # seeding or the previous scenario may have left messages to send
        began = time.perf_counter()
        result = await run()
        result.workers = workers
        await ctx.drain_outbox(result)
        _log(
            f"{result.label}: {result.throughput:,.0f} {result.unit}, p50 {result.p50_ms:.1f} ms, "
            f"p99 {result.p99_ms:.1f} ms, errors {result.errors}, peak RSS {result.peak_rss_mb:.0f} MB "
            f"({time.perf_counter() - began:.0f} s)"
        )
        if result.extra.get("no_etag"):
            _log(f"  {result.details[0]}")
        results.append(result)
        return result

    base = await step("baseline", lambda: scenarios.baseline(ctx))
    assert base is not None
    for key, label in READ_SCENARIOS.items():
        item = next(r for r in reads if r.name == label) if key in chosen else None
        if item is not None:
            await step(key, functools.partial(scenarios.read, ctx, item, conditional=False))
            await step(key, functools.partial(scenarios.read, ctx, item, conditional=True))
    booked = await step("booking", lambda: scenarios.booking(ctx, base.throughput))
    booking_rate = booked.throughput if booked else base.throughput * 0.1
    await step("hold-confirm", lambda: scenarios.hold_and_confirm(ctx, booking_rate))
    await step("contention", lambda: scenarios.contention(ctx))
    await step("live-map", lambda: scenarios.live_map(ctx, base.throughput))
    await step("premiere", lambda: premiere.premiere(ctx))


def _loop_factory() -> Callable[[], asyncio.AbstractEventLoop] | None:
    try:
        import uvloop
    except ImportError:
        return None
    return uvloop.new_event_loop


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        Wrk()
    except WrkMissing as exc:
        print(f"bench: {exc}", file=sys.stderr)
        return 2
    # SIGTERM (make killed, CI timeout) unwinds like Ctrl-C, so everything started is stopped.
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    try:
        # uvloop (installed with uvicorn[standard]) keeps the asyncio client's own overhead low.
        with asyncio.Runner(loop_factory=_loop_factory()) as runner:
            return runner.run(_run(args))
    except KeyboardInterrupt:
        print("bench: interrupted; everything it started is stopped", file=sys.stderr)
        return 130
