"""The embedded broker of the zero-setup run: MQTT over TCP and over websockets (browsers), retained messages,
and a clear refusal when its port is taken."""

from __future__ import annotations

import asyncio
import socket

import aiomqtt
import pytest

from lynriescoop.adapters.embedded import EmbeddedStartError
from lynriescoop.adapters.embedded.broker import EmbeddedBroker
from tests.support import free_port

# A real broker (the embedded one), on real ports: not part of the fast suite.
pytestmark = pytest.mark.mqtt


async def test_tcp_and_websocket_clients_share_one_broker() -> None:
    broker = EmbeddedBroker("127.0.0.1", free_port(), free_port())
    broker.start()
    try:
        async with aiomqtt.Client("127.0.0.1", broker.port) as publisher:
            await publisher.publish("seats/snapshot/demo", b'{"version": 1}', qos=1, retain=True)
        async with aiomqtt.Client(
            "127.0.0.1", broker.ws_port, transport="websockets", websocket_path="/", timeout=10
        ) as browser:
            await browser.subscribe("seats/#", qos=1)
            async with asyncio.timeout(10):
                message = await anext(aiter(browser.messages))
        assert (message.topic.value, message.payload, message.retain) == (
            "seats/snapshot/demo",
            b'{"version": 1}',
            True,
        )
    finally:
        broker.stop()


def test_a_taken_port_is_one_clear_error() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        with pytest.raises(EmbeddedStartError, match=f"cannot listen on 127.0.0.1:{port}"):
            EmbeddedBroker("127.0.0.1", port, free_port()).start()
