"""The FastAPI app factory and its lifespan."""

from __future__ import annotations

import asyncio
import gc
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware
from fastapi.middleware.gzip import GZipMiddleware
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse

from lynriescoop import __version__
from lynriescoop.entrypoints.container import Container, build_container
from lynriescoop.entrypoints.http.errors import install_error_handlers
from lynriescoop.entrypoints.http.middleware import (
    BodyLimitMiddleware,
    CachedReadMiddleware,
    MetricsMiddleware,
    RequestIdMiddleware,
)
from lynriescoop.entrypoints.http.openapi_problems import install_problem_docs
from lynriescoop.entrypoints.http.routers import (
    admin_bookings,
    admin_outbox,
    admin_users,
    auth,
    best_available,
    bookings,
    checkin,
    movies,
    ops,
    rooms,
    showings,
    tickets,
    web,
)
from lynriescoop.entrypoints.lifecycle import BackgroundService
from lynriescoop.entrypoints.logging import configure_logging
from lynriescoop.settings import Settings

logger = logging.getLogger(__name__)

DESCRIPTION = """
LynrieScoop sells cinema seats: browse movies and showings, hold seats for a few minutes, confirm, and follow
every seat map live over MQTT.

Authenticate with **Authorize** (OAuth2 password: your email as username). Every error is
`application/problem+json` with a stable `code`.
"""


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    container: Container = app.state.container
    services: list[BackgroundService] = list(container.background_services())
    started: list[BackgroundService] = []
    try:
        for service in services:
            await service.start()
            started.append(service)
            logger.info("started %s", service.name)
        # Everything built at start-up lives as long as the process: keep it out of the collector's way, so a
        # full collection under load scans only what requests create (fewer, shorter pauses at the tail).
        gc.freeze()
        yield
    finally:
        for service in reversed(started):
            try:
                await asyncio.wait_for(service.stop(), timeout=10)
            except Exception:
                logger.exception("stopping %s failed", service.name)
        await container.engine().dispose()
        await container.delivery_engine().dispose()


def create_app(settings: Settings | None = None, container: Container | None = None) -> FastAPI:
    settings = settings or (container.settings() if container else Settings())
    container = container or build_container(settings)
    app = FastAPI(
        title="LynrieScoop",
        version=__version__,
        description=DESCRIPTION,
        lifespan=lifespan,
        docs_url="/docs",
        redoc_url="/redoc",
        openapi_url="/openapi.json",
    )
    app.state.container = container
    app.state.settings = settings

    @app.get("/api-docs", include_in_schema=False)
    async def api_docs() -> HTMLResponse:
        return get_swagger_ui_html(openapi_url="/openapi.json", title="LynrieScoop – API docs")

    install_error_handlers(app)
    install_problem_docs(app)
    app.include_router(ops.router)
    app.include_router(auth.router)
    app.include_router(admin_users.router)
    app.include_router(movies.router)
    app.include_router(rooms.router)
    app.include_router(showings.router)
    app.include_router(bookings.router)
    app.include_router(tickets.router)
    app.include_router(checkin.router)
    app.include_router(best_available.router)
    app.include_router(admin_bookings.router)
    app.include_router(admin_outbox.router)
    app.include_router(web.router)

    # Added innermost first, outermost last: request id wraps everything so even a 413 carries it; the cached reads
    # known by their request line are answered right inside the metrics (their bodies come compressed already,
    # from the same 1 KiB on, so the gzip middleware would only pass them through).
    # Responses over 1 KiB are gzip-compressed for clients that accept it (API.md §1); the cached reads arrive
    # compressed already (entrypoints/http/response_cache.py) and pass through untouched.
    app.add_middleware(GZipMiddleware, minimum_size=1024)
    app.add_middleware(CachedReadMiddleware, cache=container.response_cache)
    app.add_middleware(MetricsMiddleware)
    app.add_middleware(BodyLimitMiddleware)
    if settings.cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=settings.cors_origins,
            allow_methods=["GET", "POST", "PATCH", "DELETE", "OPTIONS"],
            allow_headers=["Authorization", "Content-Type", "Idempotency-Key", "X-Request-ID"],
            expose_headers=["X-Request-ID", "Retry-After"],
            max_age=600,
        )
    app.add_middleware(RequestIdMiddleware)
    return app


def create_app_from_env() -> FastAPI:
    """Factory for ``uvicorn --factory`` (used by ``lynriescoop serve``): settings from the environment."""
    settings = Settings()
    configure_logging(settings.log_level, settings.log_format)
    return create_app(settings)
