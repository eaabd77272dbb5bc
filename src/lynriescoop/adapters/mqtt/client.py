"""The service's MQTT client (aiomqtt 2.x): one long-running connection per process, for publishing and, for
whoever registers a handler, receiving.

- Connects in a background task; on any error it leaves the client context and enters a fresh one after a
  back-off of 1 s doubling to 30 s. ``connected`` says whether a session is up (``/readyz`` and the relay use it).
- Client id ``lynriescoop-{hostname}-{pid}-{random}``: unique per process, so several processes never kick each
  other off the broker. Credentials come from ``mqtt://user:password@host:port`` (``mqtts://`` for TLS).
- Topics are given without ``MQTT_TOPIC_PREFIX``; the client adds it when publishing and subscribing, and strips it
  from the topics it hands to handlers.
- ``publish`` uses QoS 1 and returns when the broker acknowledged (PUBACK), or raises ``PublishFailed``.
- ``subscribe(topic_filter, handler)`` before ``start()`` registers a consumer: the filter is subscribed on every
  (re)connect, and each matching message is awaited by its handler, one message at a time in arrival order (a
  handler that needs concurrency spawns its own tasks). A handler that raises is logged; the loop goes on.
- Incoming messages wait in a bounded queue (``max_queued_messages``, default 1000) between the network and the
  handlers. Admission is decided as each message is read off the socket, before it is queued or parsed: a payload
  over the subscription's ``max_payload_bytes`` (``too_large``), a retained copy on a subscription that refuses
  them (``retained``: the broker replays a retained message to every new subscriber, so a stored request would be
  answered again on every reconnect), or a message that finds the queue full (``queue_full``) is dropped and
  reported to the subscription's ``on_drop(topic_filter, reason)``. Memory held for incoming messages is bounded
  by the queue length times the payload limit, whatever a flood sends.
- Without a URL the client never connects: ``connected`` stays False and publishing raises.
"""

from __future__ import annotations

import asyncio
import contextlib
import enum
import functools
import logging
import os
import secrets
import socket
import ssl
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import cast
from urllib.parse import unquote, urlsplit

import aiomqtt

from lynriescoop.application.ports.delivery import EventPublisher, PublishFailed

logger = logging.getLogger(__name__)

MessageHandler = Callable[[str, bytes], Awaitable[None]]
"""Receives (topic without the prefix, payload bytes)."""


class DropReason(enum.StrEnum):
    TOO_LARGE = "too_large"
    RETAINED = "retained"
    QUEUE_FULL = "queue_full"


DropHandler = Callable[[str, DropReason], None]
"""Told (topic filter, reason) for each incoming message dropped unread; called on the event loop, must not block."""

DEFAULT_MAX_QUEUED_MESSAGES = 1000
# Above the relay's largest batch (a batch's messages are all pending at once): aiomqtt warns past this many.
PENDING_CALLS_WARNING = 1000


@dataclass(frozen=True, slots=True)
class MqttTarget:
    host: str
    port: int
    username: str | None = None
    password: str | None = None
    tls: bool = False

    @classmethod
    def parse(cls, url: str) -> MqttTarget:
        """``mqtt://[user:password@]host[:port]`` (default port 1883) or ``mqtts://`` (TLS, default 8883)."""
        parts = urlsplit(url)
        if parts.scheme not in ("mqtt", "mqtts", "tcp", "ssl"):
            raise ValueError(f"unsupported MQTT URL scheme {parts.scheme!r}: use mqtt:// or mqtts://")
        if not parts.hostname:
            raise ValueError("the MQTT URL has no host")
        tls = parts.scheme in ("mqtts", "ssl")
        return cls(
            host=parts.hostname,
            port=parts.port or (8883 if tls else 1883),
            username=unquote(parts.username) if parts.username else None,
            password=unquote(parts.password) if parts.password else None,
            tls=tls,
        )


def make_client_id() -> str:
    return f"lynriescoop-{socket.gethostname()}-{os.getpid()}-{secrets.token_hex(3)}"


@dataclass(frozen=True, slots=True)
class _Subscription:
    topic_filter: str
    handler: MessageHandler
    qos: int
    max_payload_bytes: int | None = None
    accept_retained: bool = True
    on_drop: DropHandler | None = None


class _Inbox(asyncio.Queue[aiomqtt.Message]):
    """aiomqtt's incoming queue (its ``queue_type``), bounded. Every message passes ``admit`` before it is queued;
    a full queue drops through ``admit`` too, so aiomqtt never sees ``QueueFull`` (it would log each message)."""

    def __init__(self, maxsize: int = 0, *, admit: Callable[[aiomqtt.Message, bool], bool]) -> None:
        super().__init__(maxsize)
        self._admit = admit

    def put_nowait(self, item: aiomqtt.Message) -> None:
        if self._admit(item, self.full()):
            super().put_nowait(item)


def _payload_size(message: aiomqtt.Message) -> int:
    raw = message.payload
    if isinstance(raw, bytes | bytearray):
        return len(raw)
    return 0 if raw is None else len(str(raw).encode())


class MqttClientService(EventPublisher):
    name = "mqtt"

    def __init__(
        self,
        url: str | None,
        *,
        topic_prefix: str = "",
        publish_timeout: float = 10.0,
        connect_timeout: float = 10.0,
        keepalive: int = 30,
        backoff_initial: float = 1.0,
        backoff_max: float = 30.0,
        client_id: str | None = None,
        max_queued_messages: int = DEFAULT_MAX_QUEUED_MESSAGES,
    ) -> None:
        self._target = MqttTarget.parse(url) if url else None
        self._prefix = topic_prefix
        self._publish_timeout = publish_timeout
        self._connect_timeout = connect_timeout
        self._keepalive = keepalive
        self._backoff_initial = backoff_initial
        self._backoff_max = backoff_max
        self.client_id = client_id or make_client_id()
        self._max_queued = max(1, max_queued_messages)
        self._subscriptions: list[_Subscription] = []
        self._client: aiomqtt.Client | None = None
        self._task: asyncio.Task[None] | None = None
        self.connections = 0  # how many sessions were established (logs and tests)

    @property
    def configured(self) -> bool:
        return self._target is not None

    @property
    def connected(self) -> bool:
        return self._client is not None

    def health(self) -> str:
        return "ok" if self.connected else "down"

    @property
    def topic_prefix(self) -> str:
        return self._prefix

    def subscribe(
        self,
        topic_filter: str,
        handler: MessageHandler,
        *,
        qos: int = 1,
        max_payload_bytes: int | None = None,
        accept_retained: bool = True,
        on_drop: DropHandler | None = None,
    ) -> None:
        """Register a consumer (before ``start()``): subscribed on every connect, under the prefix. Messages over
        ``max_payload_bytes``, retained copies unless ``accept_retained``, and messages that find the incoming queue
        full are dropped unread and reported to ``on_drop``."""
        if self._task is not None:
            raise RuntimeError("subscribe before the MQTT client starts")
        self._subscriptions.append(
            _Subscription(topic_filter, handler, qos, max_payload_bytes, accept_retained, on_drop)
        )

    async def start(self) -> None:
        if self._target is None:
            logger.warning("MQTT_URL is not set: MQTT publishing is off, outbox messages wait")
            return
        if self._task is None:
            self._task = asyncio.create_task(self._run(self._target), name="mqtt-client")

    async def stop(self) -> None:
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    async def publish(self, topic: str, payload: bytes, *, retain: bool = False) -> None:
        client = self._client
        if client is None:
            raise PublishFailed("not connected to the MQTT broker")
        try:
            await client.publish(self._prefix + topic, payload, qos=1, retain=retain, timeout=self._publish_timeout)
        except aiomqtt.MqttError as exc:
            raise PublishFailed(str(exc) or type(exc).__name__) from exc

    def _new_client(self, target: MqttTarget) -> aiomqtt.Client:
        client = aiomqtt.Client(
            target.host,
            target.port,
            username=target.username,
            password=target.password,
            identifier=self.client_id,
            clean_session=True,
            timeout=self._connect_timeout,
            keepalive=self._keepalive,
            tls_context=ssl.create_default_context() if target.tls else None,
            # The relay publishes the showings of a batch side by side: let that many QoS 1 messages be in flight.
            max_inflight_messages=100,
            max_queued_incoming_messages=self._max_queued,
            queue_type=cast("type[asyncio.Queue[aiomqtt.Message]]", functools.partial(_Inbox, admit=self._admit)),
        )
        # aiomqtt logs a warning for every publish made while more than 10 are pending; the relay pipelines a whole
        # batch (up to its batch size, 200) on purpose, and a log line per message cost more than the message.
        client.pending_calls_threshold = PENDING_CALLS_WARNING
        return client

    def _admit(self, message: aiomqtt.Message, queue_full: bool) -> bool:
        """Whether a message just read off the socket may wait for its handler; a dropped one is reported."""
        subscription = next(
            (sub for sub in self._subscriptions if message.topic.matches(self._prefix + sub.topic_filter)), None
        )
        if subscription is None:
            return not queue_full  # nobody handles it: dispatch ignores it, if there is room
        reason: DropReason | None = None
        if message.retain and not subscription.accept_retained:
            reason = DropReason.RETAINED
        elif subscription.max_payload_bytes is not None and _payload_size(message) > subscription.max_payload_bytes:
            reason = DropReason.TOO_LARGE
        elif queue_full:
            reason = DropReason.QUEUE_FULL
        if reason is None:
            return True
        if subscription.on_drop is not None:
            try:
                subscription.on_drop(subscription.topic_filter, reason)
            except Exception:
                logger.exception("MQTT drop handler for %s failed", subscription.topic_filter)
        return False

    async def _run(self, target: MqttTarget) -> None:
        delay = self._backoff_initial
        outage_logged = False
        while True:
            # A fresh client per attempt: leaving the context and entering a new one is aiomqtt 2's reconnect.
            client = self._new_client(target)
            try:
                async with client:
                    for sub in self._subscriptions:
                        await client.subscribe(self._prefix + sub.topic_filter, qos=sub.qos)
                    self._client = client
                    self.connections += 1
                    delay = self._backoff_initial
                    outage_logged = False
                    logger.info("MQTT connected to %s:%s as %s", target.host, target.port, self.client_id)
                    async for message in client.messages:
                        await self._dispatch(message)
            except aiomqtt.MqttError as exc:
                if not outage_logged:
                    logger.warning("MQTT broker %s:%s unreachable or lost: %s", target.host, target.port, exc)
                    outage_logged = True
            finally:
                self._client = None
            await asyncio.sleep(delay)
            delay = min(delay * 2, self._backoff_max)

    async def _dispatch(self, message: aiomqtt.Message) -> None:
        topic = message.topic.value
        if self._prefix and topic.startswith(self._prefix):
            topic = topic[len(self._prefix) :]
        raw = message.payload
        payload = raw if isinstance(raw, bytes | bytearray) else (b"" if raw is None else str(raw).encode())
        for sub in self._subscriptions:
            if message.topic.matches(self._prefix + sub.topic_filter):
                try:
                    await sub.handler(topic, bytes(payload))
                except Exception:
                    logger.exception("MQTT handler for %s failed on a message to %s", sub.topic_filter, topic)
