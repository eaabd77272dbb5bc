"""Process-level set-up shared by the commands: settings, embedded servers, migrations."""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass, field

from lynriescoop.adapters.embedded.broker import EmbeddedBroker
from lynriescoop.adapters.embedded.postgres import EmbeddedPostgres
from lynriescoop.settings import Settings

logger = logging.getLogger(__name__)


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
