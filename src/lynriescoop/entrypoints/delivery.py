"""Wiring of delivery: the MQTT client, the mailer, the outbox relay and its metrics.

Readiness (``/readyz``): ``mqtt`` is ``ok`` while connected to the broker, else ``down`` (also when ``MQTT_URL`` is
unset for the app); ``smtp`` is ``ok`` after a successful send, ``down`` after a failed one, ``unknown`` before the
first, and ``file`` when emails are written as ``.eml`` files (no ``SMTP_HOST``).
"""

from __future__ import annotations

from prometheus_client import Counter
from sqlalchemy.ext.asyncio import AsyncEngine

from lynriescoop.adapters.mqtt.client import MqttClientService
from lynriescoop.adapters.postgres.delivery import PostgresOutboxClaimer, PostgresOutboxListener
from lynriescoop.adapters.postgres.listening import asyncpg_dsn
from lynriescoop.adapters.smtp.mailers import FileMailer, SmtpMailer
from lynriescoop.adapters.smtp.rendering import BookingEmailRenderer
from lynriescoop.application.delivery.relay import OutboxRelay
from lynriescoop.application.delivery.relay_worker import OutboxRelayWorker
from lynriescoop.application.delivery.snapshots import ReadModelSnapshotSource
from lynriescoop.application.ports.clock import Clock
from lynriescoop.application.ports.delivery import DeliveryObserver, Mailer, OutboxChannel
from lynriescoop.application.ports.unit_of_work import UnitOfWorkFactory
from lynriescoop.settings import Settings

OUTBOX_DELIVERED = Counter("outbox_delivered_total", "Outbox rows delivered (published or sent)", ["channel"])
OUTBOX_FAILURES = Counter(
    "outbox_failures_total", "Failed outbox delivery attempts; final=true when a row gave up", ["channel", "final"]
)


class PrometheusDeliveryObserver(DeliveryObserver):
    def delivered(self, channel: OutboxChannel, count: int) -> None:
        OUTBOX_DELIVERED.labels(channel=channel.value).inc(count)

    def failed(self, channel: OutboxChannel, *, final: bool) -> None:
        OUTBOX_FAILURES.labels(channel=channel.value, final=str(final).lower()).inc()


def build_mqtt_client(settings: Settings) -> MqttClientService:
    return MqttClientService(settings.mqtt_url, topic_prefix=settings.mqtt_topic_prefix)


def build_mailer(settings: Settings) -> Mailer:
    renderer = BookingEmailRenderer(
        from_email=settings.emails_from_email,
        from_name=settings.emails_from_name,
        timezone=settings.timezone,
        cancel_cutoff=settings.cancel_cutoff,
    )
    if not settings.smtp_host:
        return FileMailer(renderer, settings.mail_dir)
    return SmtpMailer(
        renderer,
        host=settings.smtp_host,
        port=settings.smtp_port,
        username=settings.smtp_user,
        password=settings.smtp_password.get_secret_value() if settings.smtp_password else None,
        tls=settings.smtp_tls,
        timeout=settings.smtp_timeout_seconds,
    )


def build_outbox_relay(
    settings: Settings,
    engine: AsyncEngine,
    uow_factory: UnitOfWorkFactory,
    clock: Clock,
    publisher: MqttClientService,
    mailer: Mailer,
) -> OutboxRelayWorker:
    if not settings.database_url:
        raise ValueError("the outbox relay needs DATABASE_URL")
    relay = OutboxRelay(
        PostgresOutboxClaimer(engine),
        publisher,
        mailer,
        ReadModelSnapshotSource(uow_factory),
        clock,
        observer=PrometheusDeliveryObserver(),
    )
    return OutboxRelayWorker(relay, PostgresOutboxListener(asyncpg_dsn(settings.database_url)))
