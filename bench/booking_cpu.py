"""``python -m bench.booking_cpu [N] [--profile]``: the CPU one booking costs inside the service, without HTTP.

Places N bookings (``confirm: true``, 2 seats each) one after the other through the real ``PlaceBooking`` use case
on a fresh database of ``BENCH_DATABASE_URL``'s server, and prints the process CPU time per booking
(``time.process_time()``): steadier than throughput on a shared machine, and the number docs/benchmarks.md's
"What each step gained" quotes for the booking path. ``--profile`` adds cProfile's top functions (sorted by
``PROFILE_SORT``, default tottime; ``PROFILE_LINES`` of them). ``--trace`` prints the statements one booking sends
to PostgreSQL, each a round trip: the count does not depend on how busy the machine is.
"""

from __future__ import annotations

import asyncio
import contextlib
import cProfile
import os
import pstats
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import psutil
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import create_async_engine
from tests.factories import build_world, make_user, put_in_postgres

from bench.infra import DEFAULT_DATABASE_URL
from lynriescoop.adapters.postgres.migrations import upgrade
from lynriescoop.application.bookings.place_booking import PlaceBookingCommand
from lynriescoop.entrypoints.container import build_container
from lynriescoop.settings import Settings

WARM_UP = 10


def postgres_cpu() -> float:
    """CPU seconds of every PostgreSQL process on this machine (the server is local; run on a quiet machine)."""
    total = 0.0
    for process in psutil.process_iter(["name"]):
        if (process.info["name"] or "").startswith("postgres"):
            with contextlib.suppress(psutil.Error):
                times = process.cpu_times()
                total += times.user + times.system
    return total


class StatementTrace:
    """Every statement asyncpg sends while ``on``: simple queries (BEGIN, COMMIT), statements with arguments, and
    the prepared statements SQLAlchemy runs. Each is one round trip."""

    def __init__(self) -> None:
        self.on = False
        self.statements: list[str] = []

    def install(self) -> None:
        import asyncpg.connection  # type: ignore[import-untyped]
        import asyncpg.prepared_stmt  # type: ignore[import-untyped]

        trace = self
        connection, prepared = asyncpg.connection.Connection, asyncpg.prepared_stmt.PreparedStatement

        def wrap(owner: type, name: str, text_of: Callable[[Any, tuple[Any, ...]], str]) -> None:
            original = getattr(owner, name)

            async def traced(self: Any, *args: Any, **kwargs: Any) -> Any:
                if trace.on:
                    trace.statements.append(" ".join(text_of(self, args).split())[:110])
                return await original(self, *args, **kwargs)

            setattr(owner, name, traced)

        wrap(connection, "_do_execute", lambda _, args: str(args[0]))
        wrap(connection, "execute", lambda _, args: str(args[0]) if len(args) == 1 else "")
        for name in ("fetch", "fetchrow", "fetchval", "executemany"):
            wrap(prepared, name, lambda self, _: f"(prepared) {self.get_query()}")


async def main(count: int, profile: bool, trace: StatementTrace | None = None) -> None:
    server = os.environ.get("BENCH_DATABASE_URL", DEFAULT_DATABASE_URL)
    name = f"lynriescoop_cpu_{uuid.uuid4().hex[:8]}"
    admin = create_async_engine(server, isolation_level="AUTOCOMMIT")
    async with admin.connect() as conn:
        await conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = make_url(server).set(database=name).render_as_string(hide_password=False)
    try:
        await asyncio.to_thread(upgrade, url)
        world = build_world(rows=20, per_row=2 * ((count + WARM_UP) // 20 + 1), starts_in=timedelta(days=3))
        world.users = {f"u{i}": make_user(f"u{i}@example.com") for i in range(count + WARM_UP)}
        engine = create_async_engine(url)
        await put_in_postgres(engine, world)
        await engine.dispose()
        with tempfile.TemporaryDirectory() as data:
            settings = Settings(
                _env_file=None, database_url=url, mqtt_url=None, data_dir=Path(data), jwt_secret="x" * 40,
                seed_on_start=False, log_level="WARNING",
            )  # fmt: skip
            container = build_container(settings)
            place = container.place_booking()
            seats = world.room.seats

            async def book(i: int) -> None:
                pair = (seats[2 * i].id, seats[2 * i + 1].id)
                await place(PlaceBookingCommand(world.users[f"u{i}"].id, world.showing.id, pair, True))

            for i in range(WARM_UP):
                await book(i)
            if trace is not None:
                trace.on = True
                await book(WARM_UP)
                trace.on = False
                statements = [s for s in trace.statements if s]
                print(f"one booking: {len(statements)} statements (round trips)")
                for statement in statements:
                    print(f"  {statement}")
                return
            profiler = cProfile.Profile(time.process_time) if profile else None  # CPU, not wall time
            wall, cpu, server = time.perf_counter(), time.process_time(), postgres_cpu()
            if profiler:
                profiler.enable()
            for i in range(WARM_UP, WARM_UP + count):
                await book(i)
            if profiler:
                profiler.disable()
            wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
            server = postgres_cpu() - server
            print(
                f"{count} bookings: {1000 * cpu / count:.2f} ms of CPU each, {1000 * wall / count:.2f} ms wall each;"
                f" PostgreSQL {1000 * server / count:.2f} ms of CPU each (every server process of this machine)"
            )
            if profiler:
                order, lines = os.environ.get("PROFILE_SORT", "tottime"), int(os.environ.get("PROFILE_LINES", "25"))
                pstats.Stats(profiler).sort_stats(order).print_stats(lines)
            await container.engine().dispose()
    finally:
        async with admin.connect() as conn:
            await conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        await admin.dispose()


if __name__ == "__main__":
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    tracer = None
    if "--trace" in sys.argv:
        tracer = StatementTrace()
        tracer.install()
    asyncio.run(main(int(args[0]) if args else 300, "--profile" in sys.argv, tracer))
