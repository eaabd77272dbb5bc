"""What the benchmark starts and stops: a fresh database, an MQTT broker, and one service process."""

from __future__ import annotations

import asyncio
import functools
import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import asyncpg
import httpx

from lynriescoop.adapters.security.ed25519_tickets import generate_private_key

DEFAULT_DATABASE_URL = "postgresql+asyncpg://postgres@127.0.0.1:5432/postgres"
DEFAULT_MQTT_URL = "mqtt://127.0.0.1:1883"
JWT_ISSUER = "lynriescoop-bench"  # the service's JWT_ISSUER: the benchmark signs its customers' access tokens


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def asyncpg_dsn(sqlalchemy_url: str) -> str:
    """``postgresql+asyncpg://...`` (what the service reads) to the ``postgresql://...`` asyncpg wants."""
    scheme, _, rest = sqlalchemy_url.partition("://")
    return f"{scheme.split('+', 1)[0]}://{rest}"


def with_database(sqlalchemy_url: str, database: str) -> str:
    """The same server URL, pointing at another database (query string such as ``?host=`` kept)."""
    parts = urlsplit(sqlalchemy_url)
    query = f"?{parts.query}" if parts.query else ""
    return f"{parts.scheme}://{parts.netloc}/{database}{query}"


@dataclass
class BenchDatabase:
    """A database made for this run: on the server of ``BENCH_DATABASE_URL``, else on an embedded server."""

    server_url: str
    work_dir: Path
    keep: bool = False
    url: str = ""
    origin: str = ""
    server_version: str = ""
    _name: str = ""
    _embedded: object | None = None

    async def create(self) -> str:
        try:
            admin = await asyncpg.connect(asyncpg_dsn(self.server_url), timeout=3)
        except (OSError, asyncpg.PostgresError, TimeoutError) as exc:
            print(f"bench: PostgreSQL at {self.server_url} unreachable ({exc}); starting an embedded one", flush=True)
            return await asyncio.to_thread(self._create_embedded)
        try:
            self._name = f"lynriescoop_bench_{secrets.token_hex(4)}"
            await admin.execute(f'CREATE DATABASE "{self._name}"')
            self.server_version = str(await admin.fetchval("SHOW server_version"))
        finally:
            await admin.close()
        self.url = with_database(self.server_url, self._name)
        self.origin = f"server {urlsplit(self.server_url).hostname}:{urlsplit(self.server_url).port or 5432}"
        return self.url

    def _create_embedded(self) -> str:
        from lynriescoop.adapters.embedded.postgres import EmbeddedPostgres

        embedded = EmbeddedPostgres(self.work_dir / "pg", database="lynriescoop_bench")
        self._embedded = embedded
        self.url = embedded.start()
        self.origin = "embedded (pgserver)"
        return self.url

    async def connect(self) -> asyncpg.Connection:
        return await asyncpg.connect(asyncpg_dsn(self.url), timeout=5)

    async def fill_version(self) -> None:
        if not self.server_version:
            connection = await self.connect()
            try:
                self.server_version = str(await connection.fetchval("SHOW server_version"))
            finally:
                await connection.close()

    async def drop(self) -> None:
        if self._embedded is not None:
            from lynriescoop.adapters.embedded.postgres import EmbeddedPostgres

            assert isinstance(self._embedded, EmbeddedPostgres)
            await asyncio.to_thread(self._embedded.stop)
            self._embedded = None
            return
        if not self._name or self.keep:
            if self._name:
                print(f"bench: kept database {self._name}", flush=True)
            return
        admin = await asyncpg.connect(asyncpg_dsn(self.server_url), timeout=5)
        try:
            await admin.execute(f'DROP DATABASE IF EXISTS "{self._name}" WITH (FORCE)')
        finally:
            await admin.close()
        self._name = ""


@dataclass
class BenchBroker:
    """The broker of ``BENCH_MQTT_URL`` when it answers, else an embedded amqtt broker on free ports."""

    url: str
    origin: str = ""
    _embedded: object | None = None

    def ensure(self) -> str:
        parts = urlsplit(self.url)
        host, port = parts.hostname or "127.0.0.1", parts.port or 1883
        try:
            with socket.create_connection((host, port), timeout=2):
                self.origin = f"server {host}:{port}"
                return self.url
        except OSError as exc:
            print(f"bench: MQTT broker at {self.url} unreachable ({exc}); starting an embedded one", flush=True)
        from lynriescoop.adapters.embedded.broker import EmbeddedBroker

        embedded = EmbeddedBroker("127.0.0.1", free_port(), free_port())
        self.url = embedded.start()
        self._embedded = embedded
        self.origin = "embedded (amqtt)"
        return self.url

    @property
    def host_port(self) -> tuple[str, int]:
        parts = urlsplit(self.url)
        return parts.hostname or "127.0.0.1", parts.port or 1883

    def stop(self) -> None:
        from lynriescoop.adapters.embedded.broker import EmbeddedBroker

        if isinstance(self._embedded, EmbeddedBroker):
            self._embedded.stop()
        self._embedded = None


def console_script() -> str:
    """The ``lynriescoop`` console script of this interpreter's environment."""
    candidate = Path(sys.executable).with_name("lynriescoop")
    return str(candidate) if candidate.exists() else "lynriescoop"


@dataclass
class Service:
    """One ``lynriescoop serve`` process with production-like settings (its own session: Ctrl-C is ours)."""

    database_url: str
    mqtt_url: str
    work_dir: Path
    port: int = field(default_factory=free_port)
    jwt_secret: str = field(default_factory=lambda: secrets.token_urlsafe(48))
    workers: int = 1
    process: subprocess.Popen[bytes] | None = None

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def pid(self) -> int:
        if self.process is None:
            raise RuntimeError("the service is not running")
        return self.process.pid

    @property
    def log_path(self) -> Path:
        return self.work_dir / "service.log"

    @functools.cached_property
    def ticket_key(self) -> str:
        """The service runs in production, which requires a ticket signing key: a fresh one per run."""
        return generate_private_key()

    def environment(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("DATABASE_", "MQTT_", "SMTP_", "TMDB_"))}
        env.update(
            ENVIRONMENT="production",
            JWT_SECRET=self.jwt_secret,
            JWT_ISSUER=JWT_ISSUER,
            TICKET_SIGNING_KEY=self.ticket_key,
            DATABASE_URL=self.database_url,
            MQTT_URL=self.mqtt_url,
            LOG_FORMAT="json",
            LOG_LEVEL="WARNING",
            HOST="127.0.0.1",
            PORT=str(self.port),
            DATA_DIR=str(self.work_dir / "data"),
            MAIL_DIR=str(self.work_dir / "mail"),
            SEED_ON_START="false",
        )
        return env

    def create_manager(self, email: str, name: str, password: str) -> None:
        result = subprocess.run(
            [console_script(), "create-manager", "--email", email, "--name", name, "--password-stdin"],
            input=f"{password}\n".encode(),
            env=self.environment(),
            capture_output=True,
            timeout=120,
            check=False,
        )
        if result.returncode != 0:
            raise RuntimeError(f"create-manager failed: {result.stderr.decode(errors='replace').strip()}")

    async def start(self, timeout: float = 60.0) -> None:
        log = self.log_path.open("wb")
        self.process = subprocess.Popen(
            [console_script(), "serve", "--port", str(self.port), "--workers", str(self.workers)],
            env=self.environment(),
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        log.close()
        deadline = time.monotonic() + timeout
        # Every worker must answer: with several, a run of ready answers on fresh connections (closed after each).
        wanted, ready_in_a_row = 1 if self.workers <= 1 else 6 * self.workers, 0
        async with httpx.AsyncClient(base_url=self.base_url, timeout=2) as client:
            while time.monotonic() < deadline:
                if self.process.poll() is not None:
                    raise RuntimeError(f"the service exited with code {self.process.returncode}:\n{self.log_tail()}")
                try:
                    ready = await client.get("/readyz", headers={"Connection": "close"})
                    if ready.status_code == 200 and ready.json().get("mqtt") == "ok":
                        ready_in_a_row += 1
                        if ready_in_a_row >= wanted:
                            return
                        continue
                except httpx.HTTPError:
                    pass
                ready_in_a_row = 0
                await asyncio.sleep(0.2)
        raise RuntimeError(f"the service was not ready within {timeout:.0f} s:\n{self.log_tail()}")

    def logged_errors(self) -> list[str]:
        """Each error the service logged (JSON lines), as "message: last line of its exception"."""
        found: list[str] = []
        try:
            lines = self.log_path.read_text(errors="replace").splitlines()
        except OSError:
            return found
        for line in lines:
            try:
                entry = json.loads(line)
            except ValueError:
                continue
            if isinstance(entry, dict) and entry.get("level") in ("error", "critical"):
                cause = str(entry.get("exception") or "").strip().splitlines()
                found.append(f"{entry.get('message', '').strip()}: {cause[-1] if cause else ''}")
        return found

    def log_tail(self, lines: int = 20) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no log)"

    def stop(self, timeout: float = 20.0) -> int | None:
        process, self.process = self.process, None
        if process is None:
            return None
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(5)
        return process.returncode
