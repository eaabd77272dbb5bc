"""Issue 13 items 3 and 6: the committed deployment files keep their safe settings (the Dockerfile's production
mode, loopback-only ports in compose.yaml, no broker password in it, the broker's packet cap and ACL), and the
password the service refuses in production is the one deploy/mosquitto/passwd holds."""

from __future__ import annotations

import base64
import hashlib
import re
from pathlib import Path
from typing import Any

import yaml

from lynriescoop.entrypoints.runtime import COMMITTED_BROKER_PASSWORD

ROOT = Path(__file__).resolve().parents[2]
MOSQUITTO = ROOT / "deploy" / "mosquitto"


def _compose() -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load((ROOT / "compose.yaml").read_text())
    return data


def _b64(text: str) -> bytes:
    return base64.b64decode(text + "=" * (-len(text) % 4))


def test_the_image_runs_in_production_mode() -> None:
    env = " ".join(
        line.strip().rstrip("\\") for line in (ROOT / "Dockerfile").read_text().splitlines() if not line.startswith("#")
    )
    assert re.search(r"\bENVIRONMENT=production\b", env)


def test_compose_publishes_every_port_on_loopback_only() -> None:
    published = [(name, port) for name, service in _compose()["services"].items() for port in service.get("ports", [])]
    assert {name for name, _ in published} >= {"postgres", "mosquitto", "mailpit"}
    assert all(str(port).startswith("127.0.0.1:") for _, port in published), published


def test_compose_holds_no_broker_password_and_runs_production() -> None:
    app = _compose()["services"]["app"]["environment"]
    assert app["ENVIRONMENT"] == "production"
    assert "${MQTT_PASSWORD:?" in app["MQTT_URL"]
    assert COMMITTED_BROKER_PASSWORD not in yaml.safe_dump(_compose())  # comments aside, nowhere


def test_the_committed_passwd_file_holds_the_refused_password() -> None:
    """mosquitto_passwd's ``$7$`` format: PBKDF2-HMAC-SHA512, iterations, base64 salt, base64 hash."""
    [line] = [line for line in (MOSQUITTO / "passwd").read_text().splitlines() if line.startswith("lynriescoop:")]
    version, iterations, salt, digest = line.split(":", 1)[1].split("$")[1:]
    assert version == "7"
    expected = _b64(digest)
    derived = hashlib.pbkdf2_hmac("sha512", COMMITTED_BROKER_PASSWORD.encode(), _b64(salt), int(iterations))
    assert derived[: len(expected)] == expected


def test_the_broker_caps_packets_above_the_largest_service_message() -> None:
    conf = (MOSQUITTO / "mosquitto.conf").read_text()
    [size] = re.findall(r"^max_packet_size (\d+)$", conf, re.MULTILINE)
    largest_snapshot = 1000 * len(
        b'{"seat_id":"00000000-0000-0000-0000-000000000000","label":"AA100","status":"available"},'
    )
    assert largest_snapshot + 1024 < int(size) <= 1024 * 1024


def test_anonymous_clients_read_the_public_topics_and_write_booking_requests_only() -> None:
    lines = [line.strip() for line in (MOSQUITTO / "acl").read_text().splitlines()]
    rules = [line for line in lines if line and not line.startswith("#")]
    anonymous = rules[: next(i for i, line in enumerate(rules) if line.startswith("user "))]
    assert sorted(anonymous) == sorted(
        [
            "topic read seats/#",
            "topic read showing/#",
            "topic read booking/confirm/#",
            "topic read booking/response/#",
            "topic read tickets/revoked/#",
            "topic read checkin/#",
            "topic write booking/request",
        ]
    )
    service = rules[len(anonymous) :]
    assert service == ["user lynriescoop", "topic readwrite #"]
