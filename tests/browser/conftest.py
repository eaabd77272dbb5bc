"""The web page in a real browser: Debian's Chromium (``/usr/bin/chromium``) driven by Playwright for Python, with no
browser download. The service under test is a real ``lynriescoop serve`` process with its embedded MQTT broker (the
``make run`` path: the page follows it over websockets), on a fresh database of the machine's PostgreSQL, seeded
with the demo data.

Without Chromium or Playwright these tests skip with one line saying how to install them; under ``CI=true`` they
fail instead. Screenshots of every test land in ``BROWSER_SCREENSHOTS`` (default ``var/screenshots/browser``),
printed at the end of the run together with the live-update delays measured.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.servers import ServeProcess, empty_database
from tests.support import IN_CI, free_port

CHROMIUM = Path(os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium"))
LAUNCH_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
INSTALL_HINT = (
    "browser tests skipped: install Chromium (`apt-get install chromium`, or set CHROMIUM_PATH) and Playwright for "
    "Python (`make install`; never `playwright install`)"
)
ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = Path(os.environ.get("BROWSER_SCREENSHOTS", ROOT / "var" / "screenshots" / "browser"))

CUSTOMER = ("customer@lynriescoop.local", "customer-demo-123")
DOOR = ("door@lynriescoop.local", "door-demo-123")

# What the run measured, printed in the terminal summary (see pytest_terminal_summary below).
REPORT: list[str] = []


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if REPORT or SCREENSHOTS.exists():
        terminalreporter.section("web page in Chromium")
        for line in REPORT:
            terminalreporter.write_line(line)
        if SCREENSHOTS.exists():
            terminalreporter.write_line(f"screenshots: {SCREENSHOTS}")


def _playwright_available() -> bool:
    try:
        import playwright.async_api  # noqa: F401
    except ImportError:
        return False
    return True


@pytest.fixture(scope="session")
def chromium_path() -> Path:
    missing = []
    if not (CHROMIUM.is_file() and os.access(CHROMIUM, os.X_OK)):
        missing.append(f"no Chromium at {CHROMIUM}")
    if not _playwright_available():
        missing.append("Playwright for Python is not installed")
    if missing:
        if IN_CI:
            pytest.fail(f"CI=true and the browser tests cannot run: {'; '.join(missing)}")
        pytest.skip(INSTALL_HINT)
    return CHROMIUM


@pytest.fixture(scope="session")
def screenshots() -> Path:
    shutil.rmtree(SCREENSHOTS, ignore_errors=True)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return SCREENSHOTS


@pytest.fixture(scope="module")
async def browser(chromium_path: Path) -> AsyncIterator[Any]:
    from playwright.async_api import async_playwright

    async with async_playwright() as playwright:
        launched = await playwright.chromium.launch(
            executable_path=str(chromium_path), args=LAUNCH_ARGS, timeout=30_000
        )
        try:
            yield launched
        finally:
            await launched.close()


@dataclass
class Service:
    """The ``lynriescoop serve`` under test, and the seeded showings handed out one per test."""

    base_url: str
    http: httpx.AsyncClient
    showings: list[dict[str, Any]] = field(default_factory=list)
    handed_out: set[str] = field(default_factory=set)

    def showing(self, room: str = "Aurora") -> dict[str, Any]:
        """A scheduled showing of ``room`` that no other test of the module uses, at least a few hours ahead (so
        cancellation is open and the companion seats still go with a wheelchair space)."""
        soon = datetime.now(UTC) + timedelta(hours=3)
        for showing in self.showings:
            starts = datetime.fromisoformat(showing["start_time"].replace("Z", "+00:00"))
            if showing["room"]["name"] == room and starts > soon and showing["id"] not in self.handed_out:
                self.handed_out.add(showing["id"])
                return showing
        raise AssertionError(f"no unused showing of {room} left in the seed")

    async def token(self, email: str, password: str) -> str:
        response = await self.http.post("/auth/login", json={"email": email, "password": password})
        assert response.status_code == 200, response.text
        return str(response.json()["access_token"])

    async def register(self) -> tuple[str, str]:
        email, password = f"web-{uuid.uuid4().hex[:8]}@example.com", "browser-test-42"
        response = await self.http.post(
            "/auth/register", json={"email": email, "name": "Web Tester", "password": password}
        )
        assert response.status_code == 201, response.text
        return email, password

    async def seats(self, showing_id: str) -> dict[str, dict[str, Any]]:
        response = await self.http.get(f"/showings/{showing_id}/seats")
        assert response.status_code == 200, response.text
        return {seat["label"]: seat for seat in response.json()["seats"]}

    async def buy(self, token: str, showing_id: str, labels: list[str]) -> dict[str, Any]:
        """A confirmed booking of ``labels``, made through the API, with its tickets."""
        seats = await self.seats(showing_id)
        response = await self.http.post(
            "/bookings",
            json={"showing_id": showing_id, "seat_ids": [seats[label]["seat_id"] for label in labels], "confirm": True},
            headers={"Authorization": f"Bearer {token}"},
        )
        assert response.status_code == 201, response.text
        booking = response.json()
        tickets = await self.http.get(
            f"/bookings/{booking['id']}/tickets", headers={"Authorization": f"Bearer {token}"}
        )
        assert tickets.status_code == 200, tickets.text
        booking["tickets"] = tickets.json()["items"]
        return dict(booking)


@contextlib.asynccontextmanager
async def running_service(server_url: str, workdir: Path, **settings: str) -> AsyncIterator[Service]:
    """``lynriescoop serve`` as ``make run`` starts it: embedded MQTT broker (websockets for the page), the demo
    data seeded at start, on a database of its own; ``settings`` are more environment variables."""
    async with empty_database(server_url, "lynriescoop_web") as database_url:
        env = {
            key: value
            for key, value in os.environ.items()
            if key not in {"MQTT_URL", "MQTT_WS_PUBLIC_URL", "SMTP_HOST", "DATABASE_URL", "MQTT_TOPIC_PREFIX"}
        }
        env.update(
            DATABASE_URL=database_url,
            MQTT_EMBEDDED_PORT=str(free_port()),
            MQTT_EMBEDDED_WS_PORT=str(free_port()),
            DATA_DIR=str(workdir / "var"),
            MAIL_DIR=str(workdir / "mail"),
            ENVIRONMENT="development",
            SEED_ON_START="true",
            LOG_LEVEL="WARNING",
            **settings,
        )
        process = ServeProcess("web", env, workdir)
        try:
            async with httpx.AsyncClient(base_url=process.base_url, timeout=15) as http:
                await process.wait_ready(http, timeout=90)
                page = (await http.get("/showings", params={"limit": 100})).json()
                yield Service(process.base_url, http, page["items"])
        finally:
            code = process.stop()
            assert code == 0, f"lynriescoop serve exited with {code}:\n{process.output()}"


@pytest.fixture(scope="module")
async def service(
    chromium_path: Path, postgres_server_url: str, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[Service]:
    async with running_service(postgres_server_url, tmp_path_factory.mktemp("web-serve")) as running:
        yield running


# ---- in-page instruments (added by the tests, not part of the page) -----------------------------------------------

# Records when each seat's button first shows a status: window.__seatStatusAt["C7:held"] = Date.now().
SEAT_WATCH = """
window.__seatStatusAt = {};
new MutationObserver((mutations) => {
  for (const m of mutations) {
    const t = m.target;
    if (!t.dataset || !t.dataset.label) continue;
    const key = t.dataset.label + ":" + t.dataset.status;
    if (!(key in window.__seatStatusAt)) window.__seatStatusAt[key] = Date.now();
  }
}).observe(document, { subtree: true, attributes: true, attributeFilter: ["data-status"] });
"""

# Records when each booking request of the page got its 201: window.__created = [Date.now(), ...].
CREATED_WATCH = """
window.__created = [];
const originalFetch = window.fetch;
window.fetch = async (...args) => {
  const response = await originalFetch(...args);
  if (response.status === 201) window.__created.push(Date.now());
  return response;
};
"""


EXPECTED_HTTP_ERROR = "the server responded with a status of 4"


def console_problems(page: Any) -> list[str]:
    """Collects the page's errors (script errors, CSP refusals, failed loads) for the test to assert none."""
    problems: list[str] = []
    page.on("pageerror", lambda error: problems.append(f"page error: {error}"))

    def on_console(message: Any) -> None:
        # An answer of 4xx is the page's business (it shows a message); anything else is a fault.
        if message.type == "error" and EXPECTED_HTTP_ERROR not in message.text:
            problems.append(f"console {message.type}: {message.text}")

    page.on("console", on_console)
    return problems


def screenshot_path(screenshots: Path, name: str) -> str:
    return str(screenshots / f"{name}.png")
