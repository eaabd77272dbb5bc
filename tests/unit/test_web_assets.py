"""The web page's files as shipped (API.md §12): every error code has a message, the vendored MQTT.js is the pinned
npm release byte for byte with its license, the files are package data and stay small, the pages carry no inline
script or style, and MQTT_WS_PUBLIC_URL defaults to the embedded broker's websocket listener."""

from __future__ import annotations

import fnmatch
import gzip
import hashlib
import json
import re
import tomllib
from pathlib import Path

import pytest
from pydantic import ValidationError

from lynriescoop.domain import errors as de
from lynriescoop.entrypoints.http.errors import HTTP_CODES
from lynriescoop.entrypoints.web.assets import load_assets
from lynriescoop.settings import Settings

ROOT = Path(__file__).resolve().parents[2]
STATIC = ROOT / "src" / "lynriescoop" / "entrypoints" / "web" / "static"
VENDOR = STATIC / "vendor"
BUDGET_BYTES = 300 * 1024


def _codes() -> set[str]:
    found: set[str] = set()
    pending: list[type[de.DomainError]] = [de.DomainError]
    while pending:
        kind = pending.pop()
        pending.extend(kind.__subclasses__())
        code = getattr(kind, "code", None)
        if isinstance(code, str):
            found.add(code)
    return found | set(HTTP_CODES.values()) | {"validation_error", "internal_error", "not_found", "method_not_allowed"}


def test_every_error_code_of_the_service_has_a_message_on_the_page() -> None:
    source = (STATIC / "js" / "api.js").read_text()
    block = source.split("export const MESSAGES = {", 1)[1].split("\n};", 1)[0]
    messages = set(re.findall(r"^\s+([a-z_]+):", block, flags=re.MULTILINE))
    missing = _codes() - messages
    assert not missing, f"api.js MESSAGES lacks {sorted(missing)}"


def test_the_vendored_mqtt_js_is_the_pinned_release_with_its_license() -> None:
    manifest = json.loads((VENDOR / "mqtt.json").read_text())
    bundle = gzip.decompress((VENDOR / "mqtt.min.js.gz").read_bytes())
    assert hashlib.sha256(bundle).hexdigest() == manifest["sha256"]
    assert len(bundle) == manifest["bytes"]
    lock = json.loads((ROOT / "web" / "package-lock.json").read_text())["packages"]
    pinned = json.loads((ROOT / "web" / "package.json").read_text())["dependencies"]["mqtt"]
    assert pinned == lock["node_modules/mqtt"]["version"] == manifest["version"]
    assert manifest["integrity"] == lock["node_modules/mqtt"]["integrity"]
    assert "MIT" in (VENDOR / "mqtt.LICENSE.md").read_text() and manifest["license"] == "MIT"
    assert bundle.startswith(b'"use strict";var mqtt=')  # the browser bundle: it defines the global `mqtt`


def test_the_shipped_assets_stay_under_300_kb() -> None:
    total = sum(path.stat().st_size for path in STATIC.rglob("*") if path.is_file())
    assert total < BUDGET_BYTES, f"{total} bytes"


def test_every_web_file_is_package_data() -> None:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())
    patterns = config["tool"]["setuptools"]["package-data"]["lynriescoop"]
    package = ROOT / "src" / "lynriescoop"
    for path in STATIC.rglob("*"):
        if path.is_file():
            relative = path.relative_to(package).as_posix()
            assert any(fnmatch.fnmatch(relative, p) and "/" not in relative[len(p.rstrip("*")) :] for p in patterns), (
                f"{relative} is not in the wheel's package-data"
            )


def test_the_asset_table_serves_each_file_under_its_name() -> None:
    assets = load_assets()
    assert {"index.html", "checkin.html", "app.css", "js/app.js", "js/checkin.js", "vendor/mqtt.min.js"} <= set(assets)
    mqtt = assets["vendor/mqtt.min.js"]
    compressed, encoding, etag = mqtt.body(gzip_ok=True)
    plain, plain_encoding, plain_etag = mqtt.body(gzip_ok=False)
    assert encoding == "gzip" and plain_encoding is None and etag != plain_etag
    assert gzip.decompress(compressed) == plain


@pytest.mark.parametrize("page", ["index.html", "checkin.html"])
def test_pages_have_no_inline_script_or_style(page: str) -> None:
    html = (STATIC / page).read_text()
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html), "inline <script>"
    assert "<style" not in html and " style=" not in html
    assert not re.search(r"\son[a-z]+=", html), "inline event handler"


def test_the_websocket_address_defaults_to_the_embedded_broker() -> None:
    assert Settings(_env_file=None).browser_mqtt_ws_url == "ws://127.0.0.1:9001/mqtt"
    assert Settings(_env_file=None, mqtt_embedded_ws_port=19001).browser_mqtt_ws_url == "ws://127.0.0.1:19001/mqtt"
    # An external broker: no websocket address unless one is given (the page then polls).
    assert Settings(_env_file=None, mqtt_url="mqtt://broker:1883").browser_mqtt_ws_url is None
    given = Settings(_env_file=None, mqtt_url="mqtt://broker:1883", mqtt_ws_public_url="wss://cinema.example/mqtt")
    assert given.browser_mqtt_ws_url == "wss://cinema.example/mqtt"
    assert Settings(_env_file=None, mqtt_ws_public_url="").browser_mqtt_ws_url is None
    with pytest.raises(ValidationError):
        Settings(_env_file=None, mqtt_ws_public_url="http://broker/mqtt")
