"""Helpers for the delivery tests: an MQTT subscriber that records what arrives, retained-message clean-up,
a TCP gate that makes a broker vanish and come back, an in-process SMTP server, and a relay on PostgreSQL."""

from __future__ import annotations

import asyncio
import contextlib
import email
import email.policy
import json
import threading
import uuid
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import aiomqtt
from aiosmtpd.controller import Controller
from sqlalchemy.ext.asyncio import AsyncEngine

from lynriescoop.adapters.mqtt.client import MqttClientService, MqttTarget
from lynriescoop.adapters.postgres.delivery import PostgresOutboxClaimer, PostgresOutboxListener
from lynriescoop.adapters.postgres.engine import make_session_factory
from lynriescoop.adapters.postgres.listening import asyncpg_dsn
from lynriescoop.adapters.postgres.unit_of_work import PostgresUnitOfWork
from lynriescoop.application.delivery.relay import OutboxRelay, RetryPolicy
from lynriescoop.application.delivery.relay_worker import OutboxRelayWorker
from lynriescoop.application.delivery.routing import route_event
from lynriescoop.application.delivery.snapshots import ReadModelSnapshotSource
from lynriescoop.application.ports.clock import Clock, SystemClock
from lynriescoop.application.ports.delivery import EventPublisher, Mailer
from lynriescoop.application.ports.unit_of_work import UnitOfWorkFactory
from tests.support import free_port

WAIT = 20.0  # a guard against hanging, never a measured expectation
FAST_RETRY = RetryPolicy(base_seconds=0.01, cap_seconds=0.05, mqtt_cap_seconds=0.05)


async def eventually(condition: Callable[[], Any], what: str, timeout: float = WAIT) -> None:
    """Wait until ``condition()`` (sync or async) is truthy; fail with ``what`` if it never becomes so."""
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        result = condition()
        if asyncio.iscoroutine(result):
            result = await result
        if result:
            return
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"timed out waiting for: {what}")
        await asyncio.sleep(0.02)


def unique_prefix() -> str:
    """A topic prefix of its own per test, so tests on the shared broker never see each other's messages."""
    return f"lynriescoop-test/{uuid.uuid4().hex[:10]}/"


@dataclass
class Received:
    topic: str
    payload: bytes
    retain: bool

    def json(self) -> Any:
        return json.loads(self.payload)


@dataclass
class MqttCollector:
    """Subscribes to ``topic_filter`` and keeps every message, in arrival order."""

    url: str
    topic_filter: str
    messages: list[Received] = field(default_factory=list)

    def on(self, topic_prefix: str) -> list[Received]:
        return [m for m in self.messages if m.topic.startswith(topic_prefix)]

    async def wait_for(self, count: int, topic_prefix: str = "") -> list[Received]:
        await eventually(lambda: len(self.on(topic_prefix)) >= count, f"{count} messages on {topic_prefix or '#'}")
        return self.on(topic_prefix)


@contextlib.asynccontextmanager
async def collect(url: str, *topic_filters: str) -> AsyncIterator[MqttCollector]:
    """A subscriber that keeps every message; subscribed (SUBACK received) before the block starts."""
    target = MqttTarget.parse(url)
    collector = MqttCollector(url, " ".join(topic_filters))
    async with aiomqtt.Client(target.host, target.port, identifier=f"test-sub-{uuid.uuid4().hex[:8]}") as client:
        for topic_filter in topic_filters:
            await client.subscribe(topic_filter, qos=1)

        async def read() -> None:
            async for message in client.messages:
                raw = message.payload
                payload = raw if isinstance(raw, bytes) else (b"" if raw is None else str(raw).encode())
                collector.messages.append(Received(message.topic.value, payload, bool(message.retain)))

        task = asyncio.create_task(read())
        try:
            yield collector
        finally:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task


async def clear_retained(url: str, prefix: str) -> None:
    """Leave the shared broker clean: empty every retained message under ``prefix``."""
    target = MqttTarget.parse(url)
    async with collect(url, prefix + "#") as seen:
        await asyncio.sleep(0.3)  # retained messages arrive right after SUBSCRIBE; this is clean-up, not a check
        topics = {m.topic for m in seen.messages if m.retain and m.payload}
    if topics:
        async with aiomqtt.Client(target.host, target.port) as client:
            for topic in topics:
                await client.publish(topic, b"", qos=1, retain=True)


async def started_publisher(url: str, prefix: str, **kwargs: Any) -> MqttClientService:
    publisher = MqttClientService(url, topic_prefix=prefix, backoff_initial=0.05, backoff_max=0.3, **kwargs)
    await publisher.start()
    return publisher


def uow_factory_for(engine: AsyncEngine) -> UnitOfWorkFactory:
    sessions = make_session_factory(engine)
    return lambda: PostgresUnitOfWork(sessions, route_event)


@contextlib.asynccontextmanager
async def running_relay(
    engine: AsyncEngine,
    database_url: str,
    publisher: EventPublisher,
    mailer: Mailer,
    *,
    poll_seconds: float = 0.05,
    retry: RetryPolicy = FAST_RETRY,
    mqtt_batch_size: int = 200,
    clock: Clock | None = None,
    listener: PostgresOutboxListener | None = None,
) -> AsyncIterator[OutboxRelayWorker]:
    relay = OutboxRelay(
        PostgresOutboxClaimer(engine),
        publisher,
        mailer,
        ReadModelSnapshotSource(uow_factory_for(engine)),
        clock or SystemClock(),
        retry=retry,
        mqtt_batch_size=mqtt_batch_size,
    )
    worker = OutboxRelayWorker(
        relay, listener or PostgresOutboxListener(asyncpg_dsn(database_url)), poll_seconds=poll_seconds
    )
    await worker.start()
    try:
        yield worker
    finally:
        await worker.stop()


class TcpGate:
    """A TCP forwarder in front of a broker: closed, the port refuses connections (the broker looks down) and the
    open connections are cut; open, it forwards to the broker."""

    def __init__(self, target_host: str, target_port: int) -> None:
        self._target = (target_host, target_port)
        self.port = free_port()
        self._server: asyncio.Server | None = None
        self._writers: set[asyncio.StreamWriter] = set()
        self._tasks: set[asyncio.Task[None]] = set()

    @property
    def url(self) -> str:
        return f"mqtt://127.0.0.1:{self.port}"

    async def open(self) -> None:
        self._server = await asyncio.start_server(self._handle, "127.0.0.1", self.port)

    async def close(self) -> None:
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
            self._server = None
        for writer in list(self._writers):
            writer.transport.abort()
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            up_reader, up_writer = await asyncio.open_connection(*self._target)
        except OSError:
            writer.transport.abort()
            return
        self._writers.update((writer, up_writer))

        async def pipe(src: asyncio.StreamReader, dst: asyncio.StreamWriter) -> None:
            try:
                while data := await src.read(65536):
                    dst.write(data)
                    await dst.drain()
            except (OSError, asyncio.CancelledError):
                pass
            finally:
                dst.transport.abort()

        for task in (asyncio.create_task(pipe(reader, up_writer)), asyncio.create_task(pipe(up_reader, writer))):
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)


class SmtpRecorder:
    """An aiosmtpd handler: refuses the next ``refusals`` messages with ``refusal``, accepts and keeps the rest."""

    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []
        self.envelopes: list[tuple[str, list[str]]] = []
        self.refusals = 0
        self.refusal = "451 4.3.0 Mailbox busy, try again later"
        self.refused = 0
        self._lock = threading.Lock()

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802 (aiosmtpd's name)
        with self._lock:
            if self.refusals > 0:
                self.refusals -= 1
                self.refused += 1
                return self.refusal
            message = email.message_from_bytes(envelope.content, policy=email.policy.default)
            assert isinstance(message, EmailMessage)
            self.messages.append(message)
            self.envelopes.append((envelope.mail_from, list(envelope.rcpt_tos)))
        return "250 OK"


@contextlib.contextmanager
def smtp_server(handler: SmtpRecorder) -> Any:
    controller = Controller(handler, hostname="127.0.0.1", port=free_port())
    controller.start()
    try:
        yield controller
    finally:
        controller.stop()


def eml_files(directory: Path) -> list[Path]:
    return sorted(directory.glob("*.eml")) if directory.exists() else []


async def retained_under(url: str, topic_filter: str, marker_topic: str) -> list[Received]:
    """The retained messages a new subscriber to ``topic_filter`` gets. The same subscriber also listens on
    ``marker_topic``; a marker published there after subscribing reaches it after the retained messages, so its
    arrival says they are all in (no waiting on a clock)."""
    target = MqttTarget.parse(url)
    async with collect(url, topic_filter, marker_topic) as seen:
        marker = uuid.uuid4().hex.encode()
        async with aiomqtt.Client(target.host, target.port) as client:
            await client.publish(marker_topic, marker, qos=1)
        await eventually(lambda: any(m.payload == marker for m in seen.messages), "the marker")
        # QoS 1 is at-least-once (amqtt repeats retained messages when a second filter is subscribed): one per
        # topic, the last one, is what the subscriber holds.
        latest = {m.topic: m for m in seen.messages if m.retain}
        return list(latest.values())
