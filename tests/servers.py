"""Real HTTP servers for the tests: uvicorn in the test process (:func:`serve`), each app with its own engine and
pools, and real ``lynriescoop serve`` subprocesses (:class:`ServeProcess`) for the tests of separate OS processes.
"""

from __future__ import annotations

import asyncio
import contextlib
import signal
import subprocess
import sys
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import uvicorn
from fastapi import FastAPI

from lynriescoop.entrypoints.http.app import create_app
from lynriescoop.settings import Settings
from tests.delivery_support import eventually
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


class ServeProcess:
    """One ``lynriescoop serve`` subprocess on a free port, its output kept in ``workdir/serve.log`` (for the failure
    message). ``workdir`` is its working directory too, so no developer ``.env`` is read."""

    def __init__(self, name: str, env: dict[str, str], workdir: Path) -> None:
        self.name = name
        self.port = free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        workdir.mkdir(parents=True, exist_ok=True)
        self.log = workdir / "serve.log"
        command = [str(Path(sys.executable).parent / "lynriescoop"), "serve", "--port", str(self.port)]
        with self.log.open("wb") as out:
            self.process = subprocess.Popen(command, env=env, cwd=workdir, stdout=out, stderr=subprocess.STDOUT)

    def output(self) -> str:
        return self.log.read_text(errors="replace")[-4000:]

    async def wait_ready(self, http: httpx.AsyncClient, timeout: float) -> None:
        """Until ``/readyz`` says the database and the broker answer; fails at once if the process exited."""

        async def ready() -> bool:
            if self.process.poll() is not None:
                raise AssertionError(f"{self.name} exited with {self.process.returncode}:\n{self.output()}")
            with contextlib.suppress(httpx.TransportError):
                response = await http.get(f"{self.base_url}/readyz")
                return response.status_code == 200 and response.json()["mqtt"] == "ok"
            return False

        await eventually(ready, f"{self.name} is ready (database and broker)", timeout)

    def stop(self) -> int:
        """SIGTERM, then the exit code (killed after 20 s)."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)
        return self.process.returncode
