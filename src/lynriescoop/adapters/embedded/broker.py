"""An embedded MQTT broker (amqtt) with a TCP and a websocket listener, on a thread of its own."""

from __future__ import annotations

import asyncio
import logging
import socket
import threading
from typing import Any

from lynriescoop.adapters.embedded import EmbeddedStartError

logger = logging.getLogger(__name__)


def _check_free(host: str, port: int) -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as exc:
            raise EmbeddedStartError(
                f"embedded MQTT broker cannot listen on {host}:{port}: {exc.strerror or exc}"
            ) from exc


class EmbeddedBroker:
    """Runs in a dedicated thread and event loop, so a busy app loop never delays the broker (or vice versa)."""

    def __init__(self, host: str = "127.0.0.1", port: int = 1883, ws_port: int = 9001) -> None:
        self.host = host
        self.port = port
        self.ws_port = ws_port
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._broker: Any = None

    @property
    def url(self) -> str:
        return f"mqtt://{self.host}:{self.port}"

    def _config(self) -> dict[str, Any]:
        return {
            "listeners": {
                "default": {"type": "tcp", "bind": f"{self.host}:{self.port}", "max_connections": 0},
                "ws": {"type": "ws", "bind": f"{self.host}:{self.ws_port}", "max_connections": 0},
            },
            "plugins": {
                "amqtt.plugins.authentication.AnonymousAuthPlugin": {"allow_anonymous": True},
            },
        }

    def start(self, timeout: float = 15.0) -> str:
        _check_free(self.host, self.port)
        _check_free(self.host, self.ws_port)
        ready = threading.Event()
        failure: list[BaseException] = []

        def run() -> None:
            loop = asyncio.new_event_loop()
            asyncio.set_event_loop(loop)
            self._loop = loop
            try:
                from amqtt.broker import Broker

                self._broker = Broker(self._config(), loop=loop)
                loop.run_until_complete(self._broker.start())
            except BaseException as exc:
                failure.append(exc)
                ready.set()
                loop.close()
                return
            ready.set()
            loop.run_forever()
            loop.close()

        self._thread = threading.Thread(target=run, name="embedded-mqtt-broker", daemon=True)
        self._thread.start()
        if not ready.wait(timeout):
            raise EmbeddedStartError(f"embedded MQTT broker did not start within {timeout:.0f} s")
        if failure:
            raise EmbeddedStartError(f"embedded MQTT broker failed to start: {failure[0]}") from failure[0]
        logger.info("embedded MQTT broker on %s:%s (websockets %s)", self.host, self.port, self.ws_port)
        return self.url

    def stop(self, timeout: float = 10.0) -> None:
        loop, thread, broker = self._loop, self._thread, self._broker
        if loop is None or thread is None or broker is None:
            return
        future = asyncio.run_coroutine_threadsafe(broker.shutdown(), loop)
        try:
            future.result(timeout)
        except Exception:
            logger.warning("embedded MQTT broker did not shut down cleanly", exc_info=True)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(timeout)
        self._loop = self._thread = self._broker = None
