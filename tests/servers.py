"""Real HTTP servers in the test process: uvicorn on free ports, each app with its own engine and pools.

Two of them on one database behave like two service processes for the purposes of the concurrency tests
(separate connection pools, separate background tasks); tests of separate OS processes live in e2e too.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass

import uvicorn
from fastapi import FastAPI

from lynriescoop.entrypoints.http.app import create_app
from lynriescoop.settings import Settings
from tests.support import free_port


@dataclass
class RunningServer:
    app: FastAPI
    base_url: str


@contextlib.asynccontextmanager
async def serve(settings: Settings) -> AsyncIterator[RunningServer]:
    app = create_app(settings)
    port = free_port()
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="on", access_log=False)
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve())
    try:
        for _ in range(300):
            if server.started:
                break
            if task.done():
                task.result()
            await asyncio.sleep(0.02)
        else:
            raise RuntimeError("uvicorn did not start")
        yield RunningServer(app, f"http://127.0.0.1:{port}")
    finally:
        server.should_exit = True
        await asyncio.wait_for(task, timeout=30)
