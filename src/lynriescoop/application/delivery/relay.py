"""The outbox relay: delivers one batch of claimed rows at a time (API.md §8 "Delivery", §9).

Rules it enforces:
- MQTT rows are not even claimed while the broker is disconnected: they wait, and never fail for good.
- Per showing, rows go out in id order, which is version order (the claimer hands over only rows with no earlier
  pending row of that showing elsewhere). When one publish fails, the rest of that showing waits for the retry;
  when the broker goes away mid-batch, the rest of the batch waits for it, without an attempt counted.
- Snapshot and showing-update rows are built from the current state at publish time (every seat snapshot of a batch
  in one read); several of one showing in a batch go out once, after that showing's deltas, and are all marked
  sent: under load, batches grow and snapshots coalesce to the latest version per showing. Being current, a
  snapshot may carry a newer version than a delta still on its way: subscribers drop deltas not newer than what
  they hold. A showing that no longer exists (or a ``deleted`` event) clears the retained message (empty payload).
- Showings of a batch are published side by side, and a showing's own rows pipelined in order: all of a batch's
  QoS 1 messages are in flight at once, and the order of a showing's rows holds on the one connection.
- A failure counts an attempt, keeps a short error and backs off ``min(base * 2**attempts, cap)`` (1 s base, caps
  300 s for email, 30 s for MQTT); an email row is ``failed`` after ``max_email_attempts`` (20) attempts, that is
  after 2+4+...+256 s and then eleven waits of 300 s (3810 s, over an hour: API.md §9), an MQTT row retries for
  ever.
- Everything of a batch is marked in the claim's transaction, so a crash re-delivers (at least once), never loses.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import InvalidOperation
from typing import Any
from uuid import UUID

import orjson

from lynriescoop.application.delivery.payloads import (
    booking_email_from_payload,
    seat_snapshot_message,
    showing_update_payload,
)
from lynriescoop.application.ports.clock import Clock
from lynriescoop.application.ports.delivery import (
    ClaimedMessage,
    DeliveryObserver,
    EventPublisher,
    MailDeliveryError,
    Mailer,
    OutboxBatch,
    OutboxChannel,
    OutboxClaimer,
    OutboxKind,
    PublishFailed,
    SnapshotSource,
)
from lynriescoop.domain.events import ShowingEventKind

logger = logging.getLogger(__name__)

MAX_ERROR_LENGTH = 300
RETAINED_KINDS = (OutboxKind.SHOWING_UPDATE, OutboxKind.SEAT_SNAPSHOT)


@dataclass(frozen=True, slots=True)
class RelayOutcome:
    sent: int = 0
    failed: int = 0
    held_back: int = 0

    @property
    def progressed(self) -> bool:
        return self.sent > 0 or self.failed > 0


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """Back-off after a failure: ``min(base * 2**attempts, cap)`` seconds. MQTT rows get a lower cap: their
    failures are broker hiccups, and a row that waits holds back its whole showing."""

    base_seconds: float = 1.0
    cap_seconds: float = 300.0
    mqtt_cap_seconds: float = 30.0
    # 20 attempts: the waits between them add up to 3810 s, so a mail server down for up to an hour fails no mail.
    max_email_attempts: int = 20

    def delay(self, channel: OutboxChannel, attempts: int) -> timedelta:
        cap = self.mqtt_cap_seconds if channel is OutboxChannel.MQTT else self.cap_seconds
        return timedelta(seconds=min(self.base_seconds * 2**attempts, cap))


def short_error(exc: BaseException) -> str:
    text = str(exc).replace("\n", " ").strip()
    described = f"{type(exc).__name__}: {text}" if text else type(exc).__name__
    return described[:MAX_ERROR_LENGTH]


def encode(payload: Mapping[str, Any]) -> bytes:
    """Compact UTF-8 JSON (orjson: a relay publishes thousands of these a second under load)."""
    return orjson.dumps(payload)


@dataclass(frozen=True, slots=True)
class _Outgoing:
    """One message to publish, and the outbox rows it delivers (several when snapshots were coalesced)."""

    rows: Sequence[ClaimedMessage]
    topic: str
    payload: bytes
    retain: bool


@dataclass
class _Run:
    """What one batch did, written back at its end in the claim's transaction."""

    sent: list[int] = field(default_factory=list)
    failures: list[tuple[ClaimedMessage, str]] = field(default_factory=list)


class OutboxRelay:
    def __init__(
        self,
        claimer: OutboxClaimer,
        publisher: EventPublisher,
        mailer: Mailer,
        snapshots: SnapshotSource,
        clock: Clock,
        *,
        retry: RetryPolicy | None = None,
        mqtt_batch_size: int = 200,
        email_batch_size: int = 10,
        observer: DeliveryObserver | None = None,
    ) -> None:
        self._claimer = claimer
        self._publisher = publisher
        self._mailer = mailer
        self._snapshots = snapshots
        self._clock = clock
        self._retry = retry or RetryPolicy()
        self._mqtt_batch_size = mqtt_batch_size
        self._email_batch_size = email_batch_size
        self._observer = observer

    async def relay_mqtt(self) -> RelayOutcome:
        """Publish one batch of due MQTT rows; nothing is claimed while the broker is disconnected.

        Every showing's rows go out, showings side by side (several QoS 1 messages in flight), each showing's own
        rows one after the other, in order. The retained messages of the batch (one per showing and kind, the latest
        state) are read in one go while the deltas are already on their way: a delta never waits for the read,
        and each showing's retained messages still follow its deltas.
        """
        if not self._publisher.connected:
            return RelayOutcome()
        now = self._clock.now()
        async with self._claimer.claim(OutboxChannel.MQTT, now, self._mqtt_batch_size) as batch:
            groups: dict[UUID, list[ClaimedMessage]] = {}
            loose: list[list[ClaimedMessage]] = []
            for message in batch.messages:
                if message.showing_id is None:
                    loose.append([message])
                else:
                    groups.setdefault(message.showing_id, []).append(message)
            retained = asyncio.ensure_future(self._retained_payloads(batch.messages, now))
            run = _Run()
            try:
                published = await asyncio.gather(
                    *(self._publish_group(group, retained, run) for group in [*groups.values(), *loose]),
                    return_exceptions=True,
                )
                await retained  # a failed read fails the batch: nothing is marked, everything goes out again
            finally:
                retained.cancel()  # no-op once done
            for outcome in published:
                if isinstance(outcome, BaseException):
                    raise outcome
            return await self._finish(batch, OutboxChannel.MQTT, run, now)

    async def _publish_group(
        self,
        group: Sequence[ClaimedMessage],
        retained: Awaitable[Mapping[tuple[UUID, str], bytes]],
        run: _Run,
    ) -> None:
        """One showing's rows in order: plain messages first, then each retained kind once, from current state.
        Each part goes out pipelined (in order, all in flight at once: see :meth:`_publish_in_order`), so a
        showing's rows cost one wait for the broker's acknowledgements, not one wait per row. The first failure
        stops the group, so nothing of that showing is marked past the row that failed; a broker that went away
        leaves the rest waiting for it, not counted against it."""
        latest: dict[str, list[ClaimedMessage]] = {}
        plain: list[_Outgoing] = []
        for message in group:
            if message.kind in RETAINED_KINDS and message.showing_id is not None:
                latest.setdefault(message.kind, []).append(message)
            else:
                plain.append(_Outgoing([message], message.destination, encode(message.payload), message.retain))
        if not await self._publish_in_order(plain, run):
            return
        kept: list[_Outgoing] = []
        for kind in RETAINED_KINDS:
            rows = latest.get(kind)
            if rows:
                showing_id = rows[-1].showing_id
                assert showing_id is not None
                kept.append(_Outgoing(rows, rows[-1].destination, (await retained)[(showing_id, kind)], True))
        await self._publish_in_order(kept, run)

    async def _publish_in_order(self, outgoing: Sequence[_Outgoing], run: _Run) -> bool:
        """Publishes ``outgoing`` in order with every message in flight at once: the publishes start in order (tasks
        run their first step in the order they were created, and :class:`EventPublisher` hands a message to the
        connection before its first wait), so they leave in order on the one connection, and the broker keeps that
        order. The rows up to the first failure are sent; from there on nothing is marked, so the failed row and
        those after it go out again, in order, later (one that did arrive arrives twice: at least once). False when
        one failed."""
        if not outgoing:
            return True
        publish = self._publisher.publish
        tasks = [asyncio.ensure_future(publish(o.topic, o.payload, retain=o.retain)) for o in outgoing]
        results = await asyncio.gather(*tasks, return_exceptions=True)
        for item, result in zip(outgoing, results, strict=True):
            if result is None:
                run.sent.extend(row.id for row in item.rows)
                continue
            if not isinstance(result, PublishFailed):
                raise result
            if not self._publisher.connected:
                return False  # the broker went away: the rows wait for it, no attempt is counted
            error = short_error(result)
            logger.warning("MQTT publish of outbox row %s to %s failed: %s", item.rows[0].id, item.topic, error)
            run.failures.extend((row, error) for row in item.rows)
            return False
        return True

    async def _retained_payloads(
        self, messages: Sequence[ClaimedMessage], now: datetime
    ) -> dict[tuple[UUID, str], bytes]:
        """The payload of each retained message of the batch, built now from the current state (one read for every
        seat snapshot); empty (which clears the retained message) when the showing is gone or was deleted."""
        last: dict[tuple[UUID, str], ClaimedMessage] = {}
        for message in messages:
            if message.kind in RETAINED_KINDS and message.showing_id is not None:
                last[(message.showing_id, message.kind)] = message
        if not last:
            return {}
        snapshot_ids = [sid for sid, kind in last if kind == OutboxKind.SEAT_SNAPSHOT]
        snapshots = await self._snapshots.seat_snapshots(snapshot_ids, now) if snapshot_ids else {}
        payloads: dict[tuple[UUID, str], bytes] = {}
        for (showing_id, kind), message in last.items():
            if kind == OutboxKind.SEAT_SNAPSHOT:
                snapshot = snapshots.get(showing_id)
                payloads[(showing_id, kind)] = seat_snapshot_message(snapshot, now) if snapshot else b""
                continue
            event = str(message.payload.get("event", ShowingEventKind.UPDATED.value))
            summary = await self._snapshots.showing_summary(showing_id, now)
            if summary is None or event == ShowingEventKind.DELETED:
                payloads[(showing_id, kind)] = b""
            else:
                payloads[(showing_id, kind)] = encode(showing_update_payload(summary, event, now))
        return payloads

    async def relay_email(self) -> RelayOutcome:
        """Send one batch of due emails, concurrently; each failure backs off, the last allowed one is final."""
        now = self._clock.now()
        async with self._claimer.claim(OutboxChannel.EMAIL, now, self._email_batch_size) as batch:
            errors = await asyncio.gather(*(self._send(message) for message in batch.messages))
            run = _Run()
            for message, error in zip(batch.messages, errors, strict=True):
                if error is None:
                    run.sent.append(message.id)
                else:
                    run.failures.append((message, error))
            return await self._finish(batch, OutboxChannel.EMAIL, run, now)

    async def _send(self, message: ClaimedMessage) -> str | None:
        """None when the email went out, else the short error to store."""
        try:
            email = booking_email_from_payload(message.payload)
        except (KeyError, ValueError, TypeError, InvalidOperation) as exc:
            return f"malformed email row: {short_error(exc)}"[:MAX_ERROR_LENGTH]
        try:
            await self._mailer.send(email)
        except MailDeliveryError as exc:
            logger.warning("email outbox row %s failed: %s", message.id, exc)
            return str(exc)[:MAX_ERROR_LENGTH] or "delivery failed"
        except Exception as exc:
            logger.exception("email outbox row %s failed unexpectedly", message.id)
            return short_error(exc)
        return None

    async def _finish(self, batch: OutboxBatch, channel: OutboxChannel, run: _Run, now: datetime) -> RelayOutcome:
        await batch.mark_sent(run.sent, now)
        for message, error in run.failures:
            attempts = message.attempts + 1
            final = message.channel is OutboxChannel.EMAIL and attempts >= self._retry.max_email_attempts
            retry_at = None if final else now + self._retry.delay(message.channel, attempts)
            await batch.mark_failed(message.id, attempts=attempts, error=error, retry_at=retry_at)
            if final:
                logger.error("email outbox row %s failed for good after %s attempts: %s", message.id, attempts, error)
            if self._observer is not None:
                self._observer.failed(channel, final=final)
        if self._observer is not None and run.sent:
            self._observer.delivered(channel, len(run.sent))
        return RelayOutcome(sent=len(run.sent), failed=len(run.failures), held_back=batch.held_back)
