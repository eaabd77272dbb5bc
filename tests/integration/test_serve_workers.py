"""``lynriescoop serve --workers 2`` (API.md §10, issue 12 item 4): the migrations and the demo seed run once before
the workers start (in a short-lived child process, so the supervising process stays small), then two workers serve
one database and broker alike, and SIGTERM stops them all with exit code 0 and no traceback."""

from __future__ import annotations

import uuid
from pathlib import Path

import httpx
import pytest

from tests.delivery_support import unique_prefix
from tests.servers import ServeProcess, service_env

pytestmark = [pytest.mark.postgres, pytest.mark.mqtt]

STARTUP = 90.0  # seconds: guards against hanging, never a measured expectation


async def test_two_workers_migrate_seed_serve_and_stop_cleanly(
    fresh_database: str, mqtt_url: str, tmp_path: Path
) -> None:
    env = service_env() | {
        "ENVIRONMENT": "development",
        "SEED_ON_START": "true",  # seeded by the preparing child: the showings below prove it ran
        "DATABASE_URL": fresh_database,
        "MQTT_URL": mqtt_url,
        "MQTT_TOPIC_PREFIX": unique_prefix(),
        "JWT_SECRET": "serve-workers-secret-" + "w" * 32,
        "DATA_DIR": str(tmp_path / "data"),
        "MAIL_DIR": str(tmp_path / "mail"),
        "LOG_LEVEL": "INFO",
    }
    service = ServeProcess("two workers", env, tmp_path / "serve", workers=2)
    try:
        async with httpx.AsyncClient(base_url=service.base_url, timeout=30) as http:
            await service.wait_ready(http, STARTUP)
            showings = await http.get("/showings", params={"limit": 5})
            assert showings.status_code == 200, showings.text
            assert showings.json()["total"] > 0, "the demo seed ran before the workers started"
            email = f"worker-{uuid.uuid4().hex[:8]}@example.com"
            password = "correct horse battery staple"
            registered = await http.post("/auth/register", json={"email": email, "name": "W", "password": password})
            assert registered.status_code == 201, registered.text
            # Several requests: the kernel spreads the connections over both workers; each must answer alike.
            for _ in range(6):
                async with httpx.AsyncClient(base_url=service.base_url, timeout=30) as fresh:
                    login = await fresh.post("/auth/login", json={"email": email, "password": password})
                    assert login.status_code == 200, login.text
                    me = await fresh.get(
                        "/auth/me", headers={"Authorization": f"Bearer {login.json()['access_token']}"}
                    )
                    assert me.status_code == 200 and me.json()["email"] == email
    finally:
        code = service.stop()
    log = service.log.read_text(errors="replace")
    assert code == 0, service.output()
    assert "Traceback (most recent call last)" not in log, service.output()
    assert log.count("Application startup complete") == 2, service.output()
