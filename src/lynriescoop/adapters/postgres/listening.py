"""A dedicated PostgreSQL connection that ``LISTEN``s on one channel, for as long as the process lives.

It reconnects with a doubling back-off when the connection drops, and talks over it now and then, since a
half-open connection is only noticed that way. Subclasses say what a notification means (:meth:`notified`) and
what to do when listening starts or stops (:meth:`connected`, :meth:`disconnected`): notifications sent while no
one listened are lost, so each of those is a moment to assume anything may have changed.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging

import asyncpg  # type: ignore[import-untyped]
from sqlalchemy.engine import make_url

logger = logging.getLogger(__name__)


def asyncpg_dsn(database_url: str) -> str:
    """A SQLAlchemy URL (``postgresql+asyncpg://...``) as a plain DSN asyncpg connects with."""
    return make_url(database_url).set(drivername="postgresql").render_as_string(hide_password=False)


class ListeningConnection:
    name = "listener"

    def __init__(
        self, dsn: str, channel: str, *, check_seconds: float, backoff_initial: float, backoff_max: float
    ) -> None:
        self._dsn = dsn
        self._channel = channel
        self._check_seconds = check_seconds
        self._backoff_initial = backoff_initial
        self._backoff_max = backoff_max
        self._connection: asyncpg.Connection | None = None
        self._task: asyncio.Task[None] | None = None
        self.connections = 0  # how many times it connected (tests and logs)

    @property
    def listening(self) -> bool:
        return self._connection is not None and not self._connection.is_closed()

    @property
    def backend_pid(self) -> int | None:
        return self._connection.get_server_pid() if self.listening and self._connection is not None else None

    def notified(self, payload: str) -> None:
        """A notification on the channel arrived."""

    def connected(self) -> None:
        """Listening (again): whatever was sent meanwhile is lost."""

    def disconnected(self) -> None:
        """No longer listening."""

    async def start(self) -> None:
        if self._task is None:
            self._task = asyncio.create_task(self._run(), name=self.name)

    async def stop(self) -> None:
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    def _heard(self, _conn: object, _pid: int, _channel: str, payload: str) -> None:
        self.notified(payload)

    async def _run(self) -> None:
        delay = self._backoff_initial
        while True:
            try:
                await self._listen_once()
                delay = self._backoff_initial
            except (OSError, TimeoutError, asyncpg.PostgresError, asyncpg.InterfaceError) as exc:
                logger.warning(
                    "%s: LISTEN connection failed (%s); retrying in %.1f s", self.name, type(exc).__name__, delay
                )
            await asyncio.sleep(delay)
            delay = min(delay * 2, self._backoff_max)

    async def _listen_once(self) -> None:
        conn: asyncpg.Connection = await asyncpg.connect(self._dsn, timeout=10)
        lost = asyncio.Event()
        try:
            conn.add_termination_listener(lambda _: lost.set())
            await conn.add_listener(self._channel, self._heard)
            self._connection = conn
            self.connections += 1
            self.connected()
            while not lost.is_set():
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(lost.wait(), self._check_seconds)
                    break
                await conn.fetchval("SELECT 1", timeout=10)  # a half-open connection is only noticed by talking
            logger.warning("%s: LISTEN connection lost; reconnecting", self.name)
        finally:
            self._connection = None
            self.disconnected()
            if not conn.is_closed():
                with contextlib.suppress(Exception):
                    await asyncio.shield(conn.close(timeout=5))
