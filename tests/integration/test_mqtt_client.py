"""The MQTT client service on real brokers: publish, subscribe, reconnect with back-off, clean stop."""

from __future__ import annotations

import asyncio
import logging

import aiomqtt
import pytest

from lynriescoop.adapters.embedded.broker import EmbeddedBroker
from lynriescoop.adapters.mqtt.client import MqttClientService, MqttTarget
from lynriescoop.application.ports.delivery import PublishFailed
from tests.delivery_support import collect, eventually, started_publisher, unique_prefix
from tests.support import free_port

pytestmark = pytest.mark.mqtt


@pytest.fixture
def prefix() -> str:
    return unique_prefix()


def _client_tasks() -> set[asyncio.Task[object]]:
    return {t for t in asyncio.all_tasks() if t.get_name() == "mqtt-client"}


async def test_publishes_with_the_prefix_at_qos_1(mqtt_url: str, prefix: str) -> None:
    # Only this client's own task counts: the event loop is shared by the whole run, whatever others left in it.
    before = _client_tasks()
    client = await started_publisher(mqtt_url, prefix)
    mine = _client_tasks() - before
    assert len(mine) == 1
    try:
        await eventually(lambda: client.connected, "the client connects")
        assert client.health() == "ok"
        async with collect(mqtt_url, prefix + "#") as seen:
            await client.publish("seats/status/abc", b'{"version":1}')
            (message,) = await seen.wait_for(1)
        assert (message.topic, message.payload, message.retain) == (
            prefix + "seats/status/abc",
            b'{"version":1}',
            False,
        )
    finally:
        await client.stop()
    assert client.health() == "down"
    assert all(task.done() for task in mine)
    assert not mine & _client_tasks()


async def test_handlers_receive_their_topics_without_the_prefix_and_survive_errors(mqtt_url: str, prefix: str) -> None:
    received: list[tuple[str, bytes]] = []

    async def handler(topic: str, payload: bytes) -> None:
        if payload == b"boom":
            raise ValueError("a bad message")
        received.append((topic, payload))

    client = MqttClientService(mqtt_url, topic_prefix=prefix)
    client.subscribe("booking/request", handler)
    await client.start()
    try:
        with pytest.raises(RuntimeError):
            client.subscribe("late/#", handler)
        await eventually(lambda: client.connected, "the client connects")
        target = MqttTarget.parse(mqtt_url)
        async with aiomqtt.Client(target.host, target.port) as sender:
            await sender.publish(prefix + "booking/request", b"boom", qos=1)
            await sender.publish(prefix + "booking/other", b"not mine", qos=1)
            await sender.publish(prefix + "booking/request", b'{"request_id":"r1"}', qos=1)
        await eventually(lambda: received, "the handler gets the good message")
        assert received == [("booking/request", b'{"request_id":"r1"}')]
        assert client.connected
    finally:
        await client.stop()


async def test_reconnects_when_the_broker_comes_and_goes(prefix: str, caplog: pytest.LogCaptureFixture) -> None:
    port, ws_port = free_port(), free_port()
    caplog.set_level(logging.WARNING, logger="lynriescoop.adapters.mqtt.client")
    client = await started_publisher(f"mqtt://127.0.0.1:{port}", prefix)
    broker: EmbeddedBroker | None = None
    try:
        await eventually(lambda: "unreachable or lost" in caplog.text, "a failed attempt against the closed port")
        assert (client.connected, client.health(), client.connections) == (False, "down", 0)
        with pytest.raises(PublishFailed):
            await client.publish("x", b"1")

        broker = EmbeddedBroker("127.0.0.1", port, ws_port)
        await asyncio.to_thread(broker.start)
        await eventually(lambda: client.connected, "the client connects once the broker is up")
        async with collect(broker.url, prefix + "#") as seen:
            await client.publish("seats/status/1", b"hello")
            assert [m.payload for m in await seen.wait_for(1)] == [b"hello"]

        await asyncio.to_thread(broker.stop)
        broker = None
        await eventually(lambda: not client.connected, "the client notices the broker is gone")
        assert client.health() == "down"

        broker = EmbeddedBroker("127.0.0.1", port, ws_port)
        await asyncio.to_thread(broker.start)
        await eventually(lambda: client.connected, "the client reconnects")
        assert client.connections == 2
    finally:
        await client.stop()
        if broker is not None:
            await asyncio.to_thread(broker.stop)
