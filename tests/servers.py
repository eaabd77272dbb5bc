"""Real HTTP servers for the tests: uvicorn in the test process (:func:`serve`), each app with its own engine and
pools, and real ``lynriescoop serve`` subprocesses (:class:`ServeProcess`) for the tests of separate OS processes.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import subprocess
import sys
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import uvicorn
from fastapi import FastAPI
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import create_async_engine

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


def service_env(**settings: str) -> dict[str, str]:
    """The environment of a ``lynriescoop serve`` subprocess: this one's, without the developer's service
    settings (database, broker, mail, TMDB), plus ``settings``."""
    base = {k: v for k, v in os.environ.items() if not k.startswith(("DATABASE_", "MQTT_", "SMTP_", "TMDB_"))}
    return base | settings


def instance_settings(database_url: str, tmp_path: Path, name: str, **overrides: Any) -> Settings:
    """Settings of one in-process app instance (:func:`serve`) on ``database_url``, with a data and mail folder of
    its own under ``tmp_path``, no seed, no ``.env``; ``overrides`` are further settings."""
    values: dict[str, Any] = {
        "database_url": database_url,
        "data_dir": tmp_path / name,
        "mail_dir": tmp_path / name / "mail",
        "seed_on_start": False,
        "log_level": "WARNING",
    }
    return Settings(_env_file=None, **(values | overrides))  # type: ignore[call-arg]


class ServeProcess:
    """One ``lynriescoop serve`` subprocess on a free port, its output kept in ``workdir/serve.log`` (for the failure
    message). ``workdir`` is its working directory too, so no developer ``.env`` is read."""

    def __init__(self, name: str, env: dict[str, str], workdir: Path, *, workers: int = 1) -> None:
        self.name = name
        self.port = free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        workdir.mkdir(parents=True, exist_ok=True)
        self.log = workdir / "serve.log"
        command = [str(Path(sys.executable).parent / "lynriescoop"), "serve", "--port", str(self.port)]
        if workers != 1:
            command += ["--workers", str(workers)]
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


@contextlib.asynccontextmanager
async def empty_database(server_url: str, prefix: str) -> AsyncIterator[str]:
    """A database of its own on the PostgreSQL server of ``server_url``, empty (a ``serve`` process migrates it),
    dropped afterwards; yields its URL."""
    name = f"{prefix}_{uuid.uuid4().hex[:10]}"
    admin = create_async_engine(server_url, isolation_level="AUTOCOMMIT")
    try:
        async with admin.connect() as conn:
            await conn.execute(text(f'CREATE DATABASE "{name}"'))
        yield make_url(server_url).set(database=name).render_as_string(hide_password=False)
        async with admin.connect() as conn:
            await conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    finally:
        await admin.dispose()
