"""Process-level set-up shared by the commands: settings, embedded servers, migrations, and the start-up checks
that keep unsafe defaults out of production."""

from __future__ import annotations

import ipaddress
import logging
import os
from dataclasses import dataclass, field

from lynriescoop.adapters.embedded.broker import EmbeddedBroker
from lynriescoop.adapters.embedded.postgres import EmbeddedPostgres
from lynriescoop.adapters.mqtt.client import MqttTarget
from lynriescoop.settings import Settings, SettingsError, embedded_ws_url

logger = logging.getLogger(__name__)

# The broker password committed in deploy/mosquitto/passwd for laptops (tests/unit/test_deploy_files.py checks
# that the file's hash is of this password). Anyone who read the repository knows it, and the service account
# reads every booking/request with its access token: production refuses it.
COMMITTED_BROKER_PASSWORD = "change-me-broker"


def is_loopback_host(host: str) -> bool:
    """``localhost`` or a loopback address (127.0.0.0/8, ::1). ``0.0.0.0``, ``::`` and any name are not."""
    if host.strip().lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip().strip("[]")).is_loopback
    except ValueError:
        return False


def check_production_defaults(settings: Settings) -> None:
    """Production refuses the committed broker password (one line, raised as ``SettingsError``)."""
    if not settings.is_production or not settings.mqtt_url:
        return
    try:
        target = MqttTarget.parse(settings.mqtt_url)
    except ValueError as exc:
        raise SettingsError(f"invalid setting MQTT_URL: {exc}") from exc
    if target.password == COMMITTED_BROKER_PASSWORD:
        raise SettingsError(
            "ENVIRONMENT=production refuses the committed broker password in MQTT_URL: "
            "make your own with mosquitto_passwd (deploy/mosquitto/passwd) and put it in MQTT_URL"
        )


@dataclass
class EmbeddedServers:
    """Starts what the settings leave unset: PostgreSQL without DATABASE_URL, a broker without MQTT_URL.

    The URLs are exported to the environment so uvicorn workers (and their settings) find them.
    """

    settings: Settings
    with_broker: bool = True
    postgres: EmbeddedPostgres | None = field(default=None, init=False)
    broker: EmbeddedBroker | None = field(default=None, init=False)

    def start(self) -> Settings:
        if not self.settings.database_url:
            self.postgres = EmbeddedPostgres(self.settings.data_dir)
            url = self.postgres.start()
            os.environ["DATABASE_URL"] = url
            print(f"embedded PostgreSQL: {self.postgres.pgdata}", flush=True)
        if self.with_broker and not self.settings.mqtt_url:
            self.broker = EmbeddedBroker(
                "127.0.0.1", self.settings.mqtt_embedded_port, self.settings.mqtt_embedded_ws_port
            )
            os.environ["MQTT_URL"] = self.broker.start()
            # With MQTT_URL now set, the app's settings would no longer know the broker is the embedded one: tell
            # them where browsers find its websocket listener (unless the operator said where).
            if self.settings.mqtt_ws_public_url is None:
                os.environ["MQTT_WS_PUBLIC_URL"] = embedded_ws_url(self.settings.mqtt_embedded_ws_port)
            print(
                f"embedded MQTT broker: mqtt://127.0.0.1:{self.settings.mqtt_embedded_port} "
                f"(websockets ws://127.0.0.1:{self.settings.mqtt_embedded_ws_port})",
                flush=True,
            )
        return Settings()

    def stop(self) -> None:
        if self.broker is not None:
            self.broker.stop()
            self.broker = None
        if self.postgres is not None:
            self.postgres.stop()
            self.postgres = None
