"""The Markdown the benchmark prints and writes to ``docs/benchmarks.md``."""

from __future__ import annotations

import platform
import subprocess
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import psutil

from bench.results import Check, ScenarioResult

FINDINGS = Path(__file__).with_name("findings.md")
GAINED_START = "<!-- gained: kept from run to run; written by hand, not by make bench -->"
GAINED_END = "<!-- gained: end -->"
GAINED_PLACEHOLDER = """*To be filled in by hand (issue 12, item 6): for each step of the speed work (response cache
with ETag/304/gzip, lean booking path, relay, `--workers`), what it gained, with the run and commit that measured it.
`make bench` keeps whatever stands between the two markers of this section when it rewrites this page.*"""


def kept_gained(previous: str) -> str:
    """The hand-written "What each step gained" text of the page being replaced, else a placeholder."""
    start, end = previous.find(GAINED_START), previous.find(GAINED_END)
    if start < 0 or end < start:
        return GAINED_PLACEHOLDER
    return previous[start + len(GAINED_START) : end].strip() or GAINED_PLACEHOLDER


@dataclass(frozen=True)
class Machine:
    cpu: str
    cores: str
    memory: str
    system: str
    python: str
    postgres: str
    broker: str
    generator: str
    date: str
    commit: str

    def rows(self) -> list[tuple[str, str]]:
        return [
            ("CPU", self.cpu),
            ("cores", self.cores),
            ("memory", self.memory),
            ("system", self.system),
            ("Python", self.python),
            ("PostgreSQL", self.postgres),
            ("MQTT broker", self.broker),
            ("load generator", self.generator),
            ("date", self.date),
            ("commit", self.commit),
        ]


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def _commit() -> str:
    try:
        head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, check=True)
        dirty = subprocess.run(["git", "status", "--porcelain"], capture_output=True, text=True, check=True)
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
    return head.stdout.strip() + (" + uncommitted changes" if dirty.stdout.strip() else "")


def describe_machine(postgres: str, broker: str, generator: str) -> Machine:
    return Machine(
        cpu=_cpu_model(),
        cores=f"{psutil.cpu_count(logical=True)} logical, {psutil.cpu_count(logical=False)} physical",
        memory=f"{psutil.virtual_memory().total / 2**30:.1f} GiB",
        system=f"{platform.system()} {platform.release()} ({platform.machine()})",
        python=f"{platform.python_implementation()} {platform.python_version()}",
        postgres=postgres,
        broker=broker,
        generator=generator,
        date=datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        commit=_commit(),
    )


def _targets_cell(result: ScenarioResult) -> str:
    if not result.checks:
        return "–"
    missed = [c for c in result.checks if not c.met]
    return "met" if not missed else "**missed**: " + "; ".join(c.target.split(": ", 1)[-1] for c in missed)


def results_table(results: Sequence[ScenarioResult]) -> str:
    lines = [
        "| scenario | workers | load | throughput | × baseline | p50 ms | p99 ms | errors | peak RSS MB "
        "| service CPU | CPU ms/op | generator CPU | machine CPU | targets |",
        "|---|--:|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|---|",
    ]
    for r in results:
        if r.extra.get("no_etag"):
            lines.append(
                f"| {r.name} | {r.workers} | not measured: no `ETag` | – | – | – | – | – | – | – | – | – | – "
                f"| {_targets_cell(r)} |"
            )
            continue
        ratio = f"{r.ratio:.3f}" if r.ratio is not None else "–"
        lines.append(
            f"| {r.name} | {r.workers} | {r.load} | {r.throughput:,.0f} {r.unit} | {ratio} | {r.p50_ms:.1f} "
            f"| {r.p99_ms:.1f} | {r.errors} | {r.peak_rss_mb:.0f} | {r.service.cpu_share:.0%} "
            f"| {r.cpu_ms_per_operation:.2f} "
            f"| {r.generator_cpu:.0%} | {r.service.machine_busy:.0%} "
            f"| {_targets_cell(r)} |"
        )
    return "\n".join(lines)


def targets_table(checks: Sequence[Check]) -> str:
    lines = ["| target | measured | verdict |", "|---|--:|---|"]
    lines += [f"| {c.target} | {c.measured} | {c.verdict} |" for c in checks]
    return "\n".join(lines)


def details(results: Sequence[ScenarioResult]) -> str:
    return "\n".join(f"- **{r.label}**: {'; '.join(r.details)}" for r in results if r.details)


def render(
    machine: Machine,
    results: Sequence[ScenarioResult],
    checks: Sequence[Check],
    settings: Sequence[tuple[str, str]],
    elapsed_s: float,
    gained: str = GAINED_PLACEHOLDER,
) -> str:
    missed = [c for c in checks if not c.met]
    verdict = (
        "Every target was met in this run."
        if not missed
        else "Missed in this run: "
        + "; ".join(f"{c.target} (measured {c.measured})" for c in missed)
        + ". What each step gained and why a target is still missed are discussed below."
    )
    findings = FINDINGS.read_text().strip() if FINDINGS.exists() else ""
    machine_rows = "\n".join(f"| {name} | {value} |" for name, value in machine.rows())
    setting_rows = "\n".join(f"| {name} | {value} |" for name, value in settings)
    return f"""# Benchmarks

Written by `make bench` (`python -m bench`, code in `bench/`) on {machine.date}; the whole run took
{elapsed_s / 60:.1f} minutes. Absolute numbers drift from machine to machine, so every throughput is also given
as a ratio to the `GET /healthz` baseline measured by the same run with the same number of service workers, and
the targets (issue 12) are set on those ratios and on absolute latency bounds.

## Machine

| | |
|---|---|
{machine_rows}

## Results

{results_table(results)}

Throughput is successful operations per second (requests, bookings, or hold + confirm pairs). The latencies
of wrk scenarios are wrk's (per request); of the others, per operation as timed by the asyncio client.
CPU shares are of the whole machine ({psutil.cpu_count()} cores = 100 %; one Python process can use at most
{1 / (psutil.cpu_count() or 1):.0%}): **service CPU** is the service process tree (psutil), **CPU ms/op** the
service's CPU time per successful operation (steadier than throughput when the machine is shared),
**generator CPU** the load generator's own (wrk's rusage, or the benchmark process for the asyncio client),
**machine CPU** everything (the service, PostgreSQL, the broker, the generator and anything else running).
Peak RSS is the service process and its children, sampled every 50 ms during the scenario.

{details(results)}

## Targets

{targets_table(checks)}

{verdict}

## How it was run

{_HOW}

| setting | value |
|---|---|
{setting_rows}

## What each step gained

{GAINED_START}
{gained}
{GAINED_END}

## Findings

{findings}
"""


_HOW = """`make bench` installs wrk when it is missing (Debian package, as root), then `python -m bench`
(about 4 to 5 minutes in all, every loop bounded):

1. creates a fresh database on the PostgreSQL server of `BENCH_DATABASE_URL` (default
   `postgresql+asyncpg://postgres@127.0.0.1:5432/postgres`; an embedded pgserver when unreachable) and uses the
   broker of `BENCH_MQTT_URL` (default `mqtt://127.0.0.1:1883`; an embedded amqtt broker when unreachable);
2. creates a manager with `lynriescoop create-manager --password-stdin`, then starts `lynriescoop serve
   --workers N` (the first `--workers`, default 1) with the settings below and its own `JWT_SECRET` and
   `JWT_ISSUER`;
3. seeds through the HTTP API: one 250-seat room (10 rows of 25), a 40-minute movie and 20 more movies (so
   `GET /movies` fills a page of 20), hourly showings from tomorrow 00:00 (local time) on, as many as the
   scenarios need so that no two bookings want the same seat unless the scenario is about that. The 1,000
   customers are rows inserted into `users` (one argon2 hash of one password, shared) with access tokens the
   benchmark signs as the service does (HS256, `sub`, `role`, `exp`, `iat`, `jti`, `iss`, `typ=access`):
   registering 1,000 accounts through argon2 would take minutes of CPU. Each customer has at most one booking
   (2 seats) per showing, except in the premiere, where each of the 1,000 has its own;
4. waits (up to `--settle` seconds) for the machine to be quiet, then runs the scenarios in the order of the
   table; wrk scenarios run for `--duration` after a 1 s warm-up, with one thread and `--connections`
   connections:
   - **baseline**: `GET /healthz`, plain GETs;
   - **the four reads**, each twice: `GET /showings/{id}/seats` (a showing with 80 seats booked and 20 held),
     `GET /showings?date=...&limit=20` (a day with 24 showings), `GET /showings/{id}` and
     `GET /movies?limit=20`, all with `Accept-Encoding: gzip` as browsers send it; first plain, then
     **(If-None-Match)**: `bench/lua/bench.lua` learns the `ETag` from the first 200 and sends it in
     `If-None-Match` on every later request (and follows a new `ETag` if a 200 brings one); 200 and 304 both
     count as success. When the service sends no `ETag` (or no 304 to its own), the conditional read is
     reported as not measured, a missed target, and the run goes on;
   - **booking**: wrk with `bench/lua/bench.lua`, which formats, once at start, a POST per line of a file of
     `token<TAB>body` lines (each a fresh pair of seats with its customer's token, `confirm: true`;
     consecutive lines go to different showings, so concurrent bookings do not queue on one showing's row
     lock); every answer other than 201 counts as an error, and the confirmed bookings in the database must
     equal the 201s (plus at most one per connection, for requests still in flight when wrk stops). Its warm-up
     books other showings and the outbox is drained before the measured run, so the pooled connections have
     prepared the booking's statements, as in a service that has been running;
   - **hold + confirm**: asyncio workers on their own keep-alive connections (a minimal HTTP/1.1 client,
     `bench/rawhttp.py`: httpx's pool costs milliseconds per request with hundreds in flight), each repeating
     `POST /bookings` then `POST /bookings/{id}/confirm`;
   - **contention**: 500 asyncio clients released at once on the same 40 seats of a fresh showing; each asks
     for 2 of them (`confirm: true`); after a 409 it reads the seat map and tries again with seats still
     available, until it has a booking or none is left; then the database is checked for seats claimed twice,
     and the answers for seats sold twice;
   - **live map**: an aiomqtt subscriber on `seats/status/#`; bookings (`confirm: true`) sent open loop at a
     steady 200 per second, or 6 % of this run's `/healthz` rate when that is lower (the details say which),
     for 10 s over 64 keep-alive connections. For each 201, the delay until both of its seats were announced
     `booked` (a message that beats the 201 counts as 0 ms); bookings whose message did not come within 5 s
     of the last answer are lost. The rate is **kept** when every booking got its 201, at most 1 % were sent
     more than 100 ms after their moment (all connections busy), and the 201s came at ≥ 95 % of the rate. A
     service that falls far behind is cut off 10 s after the last booking was due;
   - **premiere**: 1,000 clients, each on its own keep-alive connection with its own customer, released at
     once on one fresh 250-seat showing. Each reads the seat map (`Accept-Encoding: gzip`, then
     `If-None-Match` with the last `ETag` it saw), watches the showing's topics (`seats/status/{id}`,
     `seats/snapshot/{id}`, `showing/update/{id}`) and asks for 2 of the seats it believes free
     (`confirm: true`); after a 409 it reads the seat map again and retries, until it has a booking or sees
     nothing left (at most 40 requests each, a failed one retried after 0.5 s; every client stopped after
     30 s). A thousand MQTT connections would cost this machine more CPU in the generator than the service
     gets, so the clients share 20 aiomqtt connections: client *i* watches connection *i* mod 20, and each
     connection keeps its own record (the seats it saw taken, which its clients leave out of their choice;
     when each seat's `booked` status message came). Reported: time to sell out (the last 201 when all 250
     seats are sold), seat-map reads per second (200 and 304), 5xx on any request (and connections closed
     without an answer), double bookings (seats claimed twice in the database; seats sold twice in the
     answers), and the live-map delay from each 201 to its `seats/status` message on every connection
     (p50/p99 columns);
   - then, for each further `--workers` (default: 2), a fresh service with that many workers on the same
     database, and the baseline, the four reads, booking and the live map again; their ratios are to that
     service's own `/healthz`. Peak RSS and service CPU are the whole process tree (the supervisor and its workers).

   After each write scenario the benchmark waits for the outbox to drain (`GET /admin/outbox?status=pending`),
   notes the backlog, and, for the booking scenarios, reads from the outbox how long each `seats/status` row
   waited between its transaction and its publication;
5. prints the tables, writes this page, stops the service and drops the database (`--keep-database` keeps it).

`make bench BENCH_ARGS="--duration 10 --only seat-map booking --workers 1"` runs a subset (the baseline always
runs); `--profile DIR` records the service with py-spy during each scenario (`DIR/<scenario>.txt`, collapsed
stacks, and `DIR/<scenario>.top.txt`, the functions with the most samples)."""
