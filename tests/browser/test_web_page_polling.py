"""Without a websocket address for browsers (``MQTT_WS_PUBLIC_URL`` empty, as with an external broker that has no
websocket listener), the page still follows the seat map: it polls ``GET /showings/{id}/seats`` with
``If-None-Match`` and says so above the map."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from tests.browser.conftest import CUSTOMER, Service, console_problems, running_service, screenshot_path

pytestmark = [pytest.mark.browser, pytest.mark.postgres, pytest.mark.mqtt]

WAIT = 10_000


@pytest.fixture(scope="module")
async def polling_service(
    chromium_path: Path, postgres_server_url: str, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[Service]:
    workdir = tmp_path_factory.mktemp("web-serve-polling")
    async with running_service(postgres_server_url, workdir, MQTT_WS_PUBLIC_URL="") as running:
        yield running


async def test_h_without_websockets_the_page_polls_the_seat_map(
    browser: Any, polling_service: Service, screenshots: Path
) -> None:
    service = polling_service
    assert (await service.http.get("/config.json")).json()["mqtt_ws_url"] is None
    showing = service.showing()
    ctx = await browser.new_context(viewport={"width": 1024, "height": 800})
    page = await ctx.new_page()
    problems = console_problems(page)
    seat_reads: list[int] = []
    page.on("response", lambda r: seat_reads.append(r.status) if r.url.endswith("/seats") else None)
    try:
        await page.goto(f"{service.base_url}/#/showing/{showing['id']}")
        await page.wait_for_selector("#live-state[data-mode=polling]", timeout=WAIT)
        # Nothing changed yet: a poll revalidates with If-None-Match and gets 304.
        async with page.expect_response(lambda r: r.url.endswith("/seats") and r.status == 304, timeout=WAIT):
            pass
        # Someone else holds two seats through the API; the page shows them within a few polls.
        token = await service.token(*CUSTOMER)
        seats = await service.seats(showing["id"])
        response = await service.http.post(
            "/bookings",
            json={"showing_id": showing["id"], "seat_ids": [seats["C5"]["seat_id"], seats["C6"]["seat_id"]]},
            headers={"Authorization": f"Bearer {token}"},
        )
        assert response.status_code == 201, response.text
        await page.wait_for_selector('#seat-map .seat[data-label="C6"][data-status="held"]', timeout=WAIT)
        assert seat_reads[0] == 200 and 304 in seat_reads and seat_reads[-1] == 200, seat_reads
        await page.screenshot(path=screenshot_path(screenshots, "h-polling-without-websockets"), full_page=True)
        assert problems == []
    finally:
        await ctx.close()
