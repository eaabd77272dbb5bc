"""Operations: liveness, readiness and Prometheus metrics."""

from __future__ import annotations

import asyncio

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from sqlalchemy import text

from lynriescoop.entrypoints.container import Container

router = APIRouter(tags=["operations"])


@router.get("/healthz", summary="Liveness: 200 while the process lives. No auth.")
async def healthz() -> dict[str, str]:
    return {"status": "ok"}


@router.get(
    "/readyz",
    summary="Readiness: 200 when the database answers, else 503. No auth.",
    responses={503: {"description": "The database does not answer."}},
)
async def readyz(request: Request) -> JSONResponse:
    container: Container = request.app.state.container
    database = "ok"
    try:
        async with asyncio.timeout(2):
            async with container.engine().connect() as connection:
                await connection.execute(text("SELECT 1"))
    except Exception:
        database = "down"
    body: dict[str, str] = {"database": database}
    for name, probe in container.health_probes().items():
        body[name] = probe()
    return JSONResponse(body, status_code=200 if database == "ok" else 503)


@router.get("/metrics", summary="Prometheus metrics, text format. No auth.", response_class=Response)
async def metrics() -> Response:
    return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)
