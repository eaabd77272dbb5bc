"""The committed broker configuration (deploy/mosquitto: mosquitto.conf, acl, passwd) on a real Mosquitto 2, started
from those files with only paths and ports changed (issue 13 items 3 and 6, API.md §8):

* anonymous clients read the public topics, the new ``tickets/revoked/#`` and ``checkin/#`` included, and write
  ``booking/request`` only: what they publish anywhere else never reaches a subscriber;
* only the service's account publishes on the public topics, and only it reads ``booking/request``;
* a packet over ``max_packet_size`` disconnects its sender and is not forwarded.

Needs the ``mosquitto`` binary (as the machine's broker does); under ``CI=true`` its absence fails the test.
"""

from __future__ import annotations

import asyncio
import contextlib
import getpass
import re
import shutil
import subprocess
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import aiomqtt
import pytest

from lynriescoop.entrypoints.runtime import COMMITTED_BROKER_PASSWORD
from tests.delivery_support import eventually
from tests.support import IN_CI, free_port, reachable

pytestmark = pytest.mark.mqtt

DEPLOY = Path(__file__).resolve().parents[2] / "deploy" / "mosquitto"
SETTLE = 0.5  # seconds for a message that should NOT arrive; the positive control arrives within it


@pytest.fixture
def broker(tmp_path: Path) -> Iterator[int]:
    binary = shutil.which("mosquitto") or next(
        (p for p in ("/usr/sbin/mosquitto", "/usr/local/sbin/mosquitto") if Path(p).exists()), None
    )
    if binary is None:
        if IN_CI:
            pytest.fail("CI=true but the mosquitto binary is missing")
        pytest.skip("mosquitto is not installed")
    port, ws_port = free_port(), free_port()
    conf = (DEPLOY / "mosquitto.conf").read_text()
    conf = conf.replace("/mosquitto/config/passwd", str(DEPLOY / "passwd"))
    conf = conf.replace("/mosquitto/config/acl", str(DEPLOY / "acl"))
    conf = re.sub(r"^persistence true$", "persistence false", conf, flags=re.MULTILINE)
    conf = re.sub(r"^listener 1883$", f"listener {port} 127.0.0.1", conf, flags=re.MULTILINE)
    conf = re.sub(r"^listener 9001$", f"listener {ws_port} 127.0.0.1", conf, flags=re.MULTILINE)
    assert f"listener {port} 127.0.0.1" in conf and str(DEPLOY / "acl") in conf
    conf += f"\nuser {getpass.getuser()}\n"  # stay this user, so the files stay readable
    (tmp_path / "mosquitto.conf").write_text(conf)
    log = (tmp_path / "mosquitto.log").open("wb")
    process = subprocess.Popen([binary, "-c", str(tmp_path / "mosquitto.conf")], stdout=log, stderr=log)
    try:
        for _ in range(100):
            if reachable("127.0.0.1", port, timeout=0.1):
                break
            assert process.poll() is None, (tmp_path / "mosquitto.log").read_text()
            subprocess.run(["sleep", "0.05"], check=True)
        yield port
    finally:
        process.terminate()
        process.wait(timeout=10)
        log.close()


@contextlib.asynccontextmanager
async def connected(port: int, *, service: bool = False) -> AsyncIterator[aiomqtt.Client]:
    credentials = {"username": "lynriescoop", "password": COMMITTED_BROKER_PASSWORD} if service else {}
    async with aiomqtt.Client(
        "127.0.0.1",
        port,
        identifier=f"acl-{uuid.uuid4().hex[:8]}",
        **credentials,  # type: ignore[arg-type]
    ) as client:
        yield client


@contextlib.asynccontextmanager
async def listening(client: aiomqtt.Client, *topic_filters: str) -> AsyncIterator[list[tuple[str, bytes]]]:
    seen: list[tuple[str, bytes]] = []
    for topic_filter in topic_filters:
        await client.subscribe(topic_filter, qos=1)

    async def read() -> None:
        async for message in client.messages:
            payload = message.payload if isinstance(message.payload, bytes) else b""
            seen.append((message.topic.value, payload))

    task = asyncio.create_task(read())
    try:
        yield seen
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


PUBLIC = ["seats/status/s1", "seats/snapshot/s1", "showing/update/s1", "booking/confirm/b1", "booking/response/r1"]
NEW = ["tickets/revoked/s1", "checkin/s1"]


async def test_anonymous_clients_read_the_public_topics_and_only_the_service_writes_them(broker: int) -> None:
    async with (
        connected(broker) as anonymous,
        connected(broker, service=True) as service,
        listening(anonymous, "#") as anonymous_sees,
        listening(service, "#") as service_sees,
    ):
        for topic in PUBLIC + NEW:
            await anonymous.publish(topic, b"forged", qos=1)  # refused by the ACL (silently, in MQTT 3.1.1)
        await anonymous.publish("booking/request", b"a request", qos=1)
        for topic in PUBLIC + NEW:
            await service.publish(topic, b"genuine", qos=1)
        await eventually(lambda: len(anonymous_sees) >= len(PUBLIC + NEW), "anonymous reads every public topic", 10)
        await asyncio.sleep(SETTLE)
    assert sorted(anonymous_sees) == sorted((topic, b"genuine") for topic in PUBLIC + NEW)  # no booking/request
    assert ("booking/request", b"a request") in service_sees
    assert not [m for m in service_sees if m[1] == b"forged"]


async def test_a_packet_over_the_cap_disconnects_its_sender_and_goes_nowhere(broker: int) -> None:
    async with connected(broker, service=True) as service, listening(service, "booking/request") as service_sees:
        with contextlib.suppress(aiomqtt.MqttError):
            async with connected(broker) as anonymous:
                await anonymous.publish("booking/request", b"x" * 300_000, qos=1, timeout=5)
                await anonymous.publish("booking/request", b"after the big one", qos=1, timeout=5)
        async with connected(broker) as again:  # a well-behaved request still goes through
            await again.publish("booking/request", b"small", qos=1)
        await eventually(lambda: ("booking/request", b"small") in service_sees, "the small request arrives", 10)
    assert [payload for _, payload in service_sees] == [b"small"]
