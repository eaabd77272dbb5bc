"""The command line refuses to start with one clear line and a non-zero exit when it cannot work."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
from pathlib import Path

import httpx
import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from lynriescoop.adapters.postgres import tables as t
from lynriescoop.adapters.security.ed25519_tickets import generate_private_key
from lynriescoop.application.accounts.seed_demo_users import DEMO_ACCOUNTS
from lynriescoop.entrypoints.runtime import COMMITTED_BROKER_PASSWORD, is_loopback_host
from tests.delivery_support import eventually
from tests.factories import build_world, make_user, put_in_postgres
from tests.support import free_port


def _run(*args: str, env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    clean = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("DATABASE_", "MQTT_", "JWT_", "ENVIRONMENT", "TICKET_"))
    }
    return subprocess.run(
        [sys.executable, "-m", "lynriescoop.entrypoints.cli", *args],
        env=clean | env,
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_production_without_secrets_refuses_to_start(tmp_path: Path) -> None:
    result = _run("serve", env={"ENVIRONMENT": "production"}, cwd=tmp_path)
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert lines == [
        "lynriescoop: ENVIRONMENT=production requires JWT_SECRET, DATABASE_URL, MQTT_URL, TICKET_SIGNING_KEY to be set"
    ]


def test_http_port_clash_is_one_line(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = _run("serve", env={"PORT": str(port), "DATA_DIR": str(tmp_path)}, cwd=tmp_path)
    assert result.returncode == 1
    assert (
        result.stderr.strip().splitlines()[-1]
        == f"lynriescoop: cannot listen on 127.0.0.1:{port}: Address already in use"
    )


def test_invalid_setting_is_one_line(tmp_path: Path) -> None:
    result = _run("migrate", env={"CINEMA_TIMEZONE": "Mars/Olympus"}, cwd=tmp_path)
    assert result.returncode == 1
    assert result.stderr.strip().startswith("lynriescoop: invalid setting CINEMA_TIMEZONE")


# --- Issue 13 item 6: unsafe deployment defaults ---------------------------------------------------------------

PRODUCTION_SECRET = "production-secret-" + "k" * 40
PRODUCTION_TICKET_KEY = generate_private_key()


def test_production_refuses_the_committed_broker_password(tmp_path: Path) -> None:
    env = {
        "ENVIRONMENT": "production",
        "JWT_SECRET": PRODUCTION_SECRET,
        "TICKET_SIGNING_KEY": PRODUCTION_TICKET_KEY,
        "DATABASE_URL": "postgresql+asyncpg://nobody@127.0.0.1:1/none",  # never reached: refused before
        "MQTT_URL": f"mqtt://lynriescoop:{COMMITTED_BROKER_PASSWORD}@127.0.0.1:1883",
    }
    for command in ("serve", "migrate"):
        result = _run(command, env=env, cwd=tmp_path)
        assert result.returncode == 1
        assert result.stderr.strip().splitlines() == [
            "lynriescoop: ENVIRONMENT=production refuses the committed broker password in MQTT_URL: "
            "make your own with mosquitto_passwd (deploy/mosquitto/passwd) and put it in MQTT_URL"
        ]


@pytest.mark.postgres
@pytest.mark.mqtt
async def test_production_refuses_to_start_while_a_demo_account_exists(
    clean_db: AsyncEngine, database_url: str, mqtt_url: str, tmp_path: Path
) -> None:
    env = {
        "ENVIRONMENT": "production",
        "JWT_SECRET": PRODUCTION_SECRET,
        "TICKET_SIGNING_KEY": PRODUCTION_TICKET_KEY,
        "DATABASE_URL": database_url,
        "MQTT_URL": mqtt_url,
        "PORT": str(free_port()),
        "DATA_DIR": str(tmp_path),
        "LOG_LEVEL": "WARNING",
    }
    demo = build_world()
    demo.users = {"demo": make_user(DEMO_ACCOUNTS[0].email), "someone": make_user("someone@example.com")}
    await put_in_postgres(clean_db, demo)
    result = await asyncio.to_thread(_run, "serve", env=env, cwd=tmp_path)
    assert result.returncode == 1
    assert result.stderr.strip().splitlines() == [
        "lynriescoop: ENVIRONMENT=production refuses to start while the demo accounts exist (their passwords are "
        f"published): {DEMO_ACCOUNTS[0].email}; remove them first (SECURITY.md, Demo accounts)"
    ]


@pytest.mark.postgres
@pytest.mark.mqtt
async def test_serve_never_seeds_on_a_non_loopback_host_even_in_development(
    clean_db: AsyncEngine, database_url: str, mqtt_url: str, tmp_path: Path
) -> None:
    port = free_port()
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("DATABASE_", "MQTT_", "JWT_", "ENVIRONMENT"))}
    env = clean | {
        "ENVIRONMENT": "development",
        "DATABASE_URL": database_url,
        "MQTT_URL": mqtt_url,
        "DATA_DIR": str(tmp_path),
        "LOG_LEVEL": "WARNING",
    }
    command = [sys.executable, "-m", "lynriescoop.entrypoints.cli", "serve", "--host", "0.0.0.0", "--port", str(port)]
    log = tmp_path / "serve.log"
    with log.open("wb") as out:
        process = subprocess.Popen(command, env=env, cwd=tmp_path, stdout=out, stderr=subprocess.STDOUT)
    try:
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}") as http:

            async def up() -> bool:
                assert process.poll() is None, log.read_text()
                try:
                    return (await http.get("/healthz")).status_code == 200
                except httpx.TransportError:
                    return False

            await eventually(up, "serve answers on 0.0.0.0", 60)
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=30)
    output = log.read_text()
    assert "demo data not seeded: 0.0.0.0 is not a loopback address" in output, output
    async with clean_db.connect() as conn:
        assert (await conn.execute(select(func.count()).select_from(t.users))).scalar_one() == 0
        assert (await conn.execute(select(func.count()).select_from(t.movies))).scalar_one() == 0


@pytest.mark.parametrize(
    ("host", "loopback"),
    [
        ("127.0.0.1", True),
        ("127.1.2.3", True),
        ("localhost", True),
        ("::1", True),
        ("[::1]", True),
        ("0.0.0.0", False),
        ("::", False),
        ("192.168.1.10", False),
        ("cinema.example.com", False),
    ],
)
def test_what_counts_as_loopback(host: str, loopback: bool) -> None:
    assert is_loopback_host(host) is loopback
