"""MQTT_URL parsing and the client id."""

from __future__ import annotations

import os
import re

import pytest

from lynriescoop.adapters.mqtt.client import MqttClientService, MqttTarget, make_client_id
from lynriescoop.application.ports.delivery import PublishFailed


def test_url_with_credentials_and_port() -> None:
    target = MqttTarget.parse("mqtt://scoop:p%40ss%3Aword@broker.example:1884")
    assert target == MqttTarget("broker.example", 1884, "scoop", "p@ss:word", tls=False)


def test_defaults_and_tls() -> None:
    assert MqttTarget.parse("mqtt://127.0.0.1") == MqttTarget("127.0.0.1", 1883)
    assert MqttTarget.parse("mqtts://broker.example") == MqttTarget("broker.example", 8883, tls=True)


@pytest.mark.parametrize("url", ["http://broker:1883", "mqtt://", "broker:1883"])
def test_bad_urls_are_refused(url: str) -> None:
    with pytest.raises(ValueError, match="MQTT URL"):
        MqttTarget.parse(url)


def test_client_ids_are_unique_per_process_and_call() -> None:
    first, second = make_client_id(), make_client_id()
    assert first != second
    assert re.fullmatch(rf"lynriescoop-.+-{os.getpid()}-[0-9a-f]{{6}}", first)


async def test_without_a_url_the_client_stays_down_and_refuses_to_publish() -> None:
    client = MqttClientService(None)
    await client.start()
    assert (client.configured, client.connected, client.health()) == (False, False, "down")
    with pytest.raises(PublishFailed, match="not connected"):
        await client.publish("seats/status/x", b"{}")
    await client.stop()
