"""The web page's routes (API.md §12) over HTTP: the pages with their Content-Security-Policy, the files with ETags
and gzip, GET /config.json, and the API's own answers untouched (problem+json 404, POST /checkin)."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[2]
VENDOR = ROOT / "src" / "lynriescoop" / "entrypoints" / "web" / "static" / "vendor"


async def test_the_customer_page_is_served_with_its_policy_and_etag(client: httpx.AsyncClient) -> None:
    response = await client.get("/")
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/html; charset=utf-8"
    assert '<script src="/assets/js/app.js" type="module">' in response.text
    policy = response.headers["content-security-policy"]
    assert "script-src 'self'" in policy and "unsafe-inline" not in policy and "unsafe-eval" not in policy
    assert "connect-src 'self' ws://127.0.0.1:9001" in policy
    assert response.headers["cache-control"] == "no-cache"
    again = await client.get("/", headers={"If-None-Match": response.headers["etag"]})
    assert again.status_code == 304 and again.content == b""


async def test_the_door_page_shares_its_path_with_the_check_in_route(client: httpx.AsyncClient) -> None:
    page = await client.get("/checkin")
    assert page.status_code == 200 and "checkin.js" in page.text
    scan = await client.post("/checkin", json={"code": "X"})
    assert scan.status_code == 401 and scan.json()["code"] == "not_authenticated"


async def test_files_are_gzipped_for_browsers_and_plain_for_others(client: httpx.AsyncClient) -> None:
    manifest = json.loads((VENDOR / "mqtt.json").read_text())
    zipped = await client.get("/assets/vendor/mqtt.min.js", headers={"Accept-Encoding": "gzip"})
    assert zipped.status_code == 200 and zipped.headers["content-encoding"] == "gzip"
    assert zipped.headers["content-type"] == "text/javascript; charset=utf-8"
    assert hashlib.sha256(zipped.content).hexdigest() == manifest["sha256"]  # httpx decodes the gzip
    plain = await client.get("/assets/vendor/mqtt.min.js", headers={"Accept-Encoding": "identity"})
    assert "content-encoding" not in plain.headers
    assert hashlib.sha256(plain.content).hexdigest() == manifest["sha256"]
    assert zipped.headers["etag"] != plain.headers["etag"]
    script = await client.get("/assets/js/app.js", headers={"Accept-Encoding": "gzip"})
    assert script.headers["content-encoding"] == "gzip" and "SeatFeed" in script.text
    assert script.headers["vary"] == "Accept-Encoding"


async def test_unknown_files_and_paths_stay_problem_json(client: httpx.AsyncClient) -> None:
    for path in ("/assets/nope.js", "/assets/../settings.py", "/assets/index.html", "/no/such/path"):
        response = await client.get(path)
        assert response.status_code == 404, path
        assert response.headers["content-type"] == "application/problem+json"
        assert response.json()["code"] == "not_found"


async def test_config_tells_the_page_where_the_broker_is(client: httpx.AsyncClient) -> None:
    response = await client.get("/config.json")
    assert response.status_code == 200
    assert response.json() == {
        "mqtt_ws_url": "ws://127.0.0.1:9001/mqtt",
        "topic_prefix": "",
        "currency": "EUR",
        "hold_minutes": 10,
        "timezone": "Europe/Brussels",
        "max_seats_per_booking": 10,
        "cancel_cutoff_minutes": 60,
        "single_seat_rule": True,
    }


async def test_files_answer_conditional_requests_like_the_api(client: httpx.AsyncClient) -> None:
    """The same rule as the cached API reads (RFC 9110 §13.1.2): a weak or listed ETag, or ``*``, is a 304."""
    first = await client.get("/assets/app.css", headers={"Accept-Encoding": "gzip"})
    etag = first.headers["etag"]
    for header in (f"W/{etag}", f'"other", {etag}', "*"):
        again = await client.get("/assets/app.css", headers={"Accept-Encoding": "gzip", "If-None-Match": header})
        assert again.status_code == 304, header
