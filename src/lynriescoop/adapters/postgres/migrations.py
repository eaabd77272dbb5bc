"""Run Alembic migrations programmatically (``lynriescoop migrate``, ``serve`` and the test harness)."""

from __future__ import annotations

import os
from pathlib import Path

from alembic import command
from alembic.config import Config


def _project_root() -> Path:
    """Where ``alembic.ini`` lives: the working directory (Docker, checkout) or the source checkout."""
    candidates = [Path.cwd(), Path(__file__).resolve().parents[4]]
    env_root = os.environ.get("LYNRIESCOOP_ROOT")
    if env_root:
        candidates.insert(0, Path(env_root))
    for candidate in candidates:
        if (candidate / "alembic.ini").is_file() and (candidate / "migrations").is_dir():
            return candidate
    raise FileNotFoundError("alembic.ini and migrations/ not found; run from the project directory")


def alembic_config(url: str) -> Config:
    root = _project_root()
    config = Config(str(root / "alembic.ini"))
    config.set_main_option("script_location", str(root / "migrations"))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def upgrade(url: str, revision: str = "head") -> None:
    command.upgrade(alembic_config(url), revision)


def downgrade(url: str, revision: str = "base") -> None:
    command.downgrade(alembic_config(url), revision)
