"""The web page (API.md §12): ``GET /`` for customers, ``GET /checkin`` for the door, their files under
``/assets/``, and ``GET /config.json``.

The page is a client of the public API like any other (DESIGN.md 16); these routes only hand out its files. Each
answer has a strong ETag and ``Cache-Control: no-cache`` (a reload revalidates and gets 304), and the HTML pages
a Content-Security-Policy that lets them load their own files and reach the API and the broker's websocket, and
nothing else: no inline script or style, no other origin.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from fastapi import APIRouter, Request
from fastapi.responses import Response
from starlette.exceptions import HTTPException

from lynriescoop.entrypoints.http.conditional import accepts_gzip, not_modified
from lynriescoop.entrypoints.http.schemas.web import WebConfigOut
from lynriescoop.entrypoints.web.assets import Asset, load_assets
from lynriescoop.settings import Settings

router = APIRouter(tags=["web page"])

ASSETS = load_assets()
PAGES = {"/": "index.html", "/checkin": "checkin.html"}


def content_security_policy(settings: Settings) -> str:
    connect = ["'self'"]
    ws_url = settings.browser_mqtt_ws_url
    if ws_url:
        parts = urlsplit(ws_url)
        connect.append(f"{parts.scheme}://{parts.netloc}")
    return "; ".join(
        (
            "default-src 'none'",
            "script-src 'self'",
            "style-src 'self'",
            "img-src 'self' blob:",
            # MQTT.js runs its keep-alive timers in a worker made from a blob (background tabs throttle timers).
            "worker-src blob:",
            f"connect-src {' '.join(connect)}",
            "base-uri 'none'",
            "form-action 'self'",
            "frame-ancestors 'none'",
        )
    )


def _serve(request: Request, asset: Asset, extra: dict[str, str] | None = None) -> Response:
    body, encoding, etag = asset.body(gzip_ok=accepts_gzip(request))
    headers = {"ETag": etag, "Cache-Control": "no-cache", "Vary": "Accept-Encoding", **(extra or {})}
    if not_modified(request, (etag,)):
        return Response(status_code=304, headers=headers)
    if encoding:
        headers["Content-Encoding"] = encoding
    return Response(body, media_type=asset.media_type, headers=headers)


def _page(request: Request) -> Response:
    settings: Settings = request.app.state.settings
    asset = ASSETS[PAGES[request.url.path]]
    return _serve(request, asset, {"Content-Security-Policy": content_security_policy(settings)})


@router.get("/", include_in_schema=False)
async def index_page(request: Request) -> Response:
    return _page(request)


@router.get("/checkin", include_in_schema=False)
async def checkin_page(request: Request) -> Response:
    return _page(request)


@router.get("/assets/{name:path}", include_in_schema=False)
async def asset(name: str, request: Request) -> Response:
    found = ASSETS.get(name)
    if found is None or found.name in PAGES.values():
        raise HTTPException(404)
    return _serve(request, found)


@router.get(
    "/config.json",
    response_model=WebConfigOut,
    summary="What the web page needs to start: the broker's websocket address and a few settings. Auth: none.",
)
async def web_config(request: Request) -> WebConfigOut:
    settings: Settings = request.app.state.settings
    return WebConfigOut(
        mqtt_ws_url=settings.browser_mqtt_ws_url,
        topic_prefix=settings.mqtt_topic_prefix,
        currency=settings.currency,
        hold_minutes=settings.hold_minutes,
        timezone=settings.cinema_timezone,
        max_seats_per_booking=settings.max_seats_per_booking,
        cancel_cutoff_minutes=settings.cancel_cutoff_minutes,
        single_seat_rule=settings.single_seat_rule,
    )
