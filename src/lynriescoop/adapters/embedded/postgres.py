"""An embedded PostgreSQL server under the data directory, from the pgserver wheel (a real server)."""

from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import Any
from urllib.parse import quote

from lynriescoop.adapters.embedded import EmbeddedStartError

logger = logging.getLogger(__name__)


class EmbeddedPostgres:
    """Starts (or joins) a PostgreSQL server listening on a unix socket in ``data_dir/postgres``."""

    def __init__(self, data_dir: Path, database: str = "lynriescoop") -> None:
        if not database.isidentifier():
            raise ValueError("the embedded database name must be a plain identifier")
        self.pgdata = (data_dir / "postgres").resolve()
        self.database = database
        self._server: Any = None

    def start(self) -> str:
        """Start the server, create the database if needed, and return its asyncpg URL."""
        try:
            # pgserver asks platformdirs for a runtime dir; give it ours rather than a warning.
            os.environ.setdefault("XDG_RUNTIME_DIR", str(self.pgdata.parent / "run"))
            (self.pgdata.parent / "run").mkdir(mode=0o700, parents=True, exist_ok=True)
            import pgserver  # type: ignore[attr-defined,unused-ignore]

            self.pgdata.mkdir(parents=True, exist_ok=True)
            self._server = pgserver.get_server(  # type: ignore[attr-defined,unused-ignore]
                self.pgdata, cleanup_mode="stop"
            )
            # The name is a checked identifier, so quoting it here is safe.
            exists = self._server.psql(f"SELECT 1 FROM pg_database WHERE datname = '{self.database}';")  # noqa: S608
            if "(1 row)" not in exists:
                self._server.psql(f'CREATE DATABASE "{self.database}";')
        except Exception as exc:
            raise EmbeddedStartError(f"embedded PostgreSQL failed to start in {self.pgdata}: {exc}") from exc
        logger.info("embedded PostgreSQL running in %s", self.pgdata)
        return self.url(self.database)

    def url(self, database: str) -> str:
        return f"postgresql+asyncpg://postgres@/{database}?host={quote(str(self.pgdata))}"

    def stop(self) -> None:
        if self._server is not None:
            try:
                self._server.cleanup()
            finally:
                self._server = None
