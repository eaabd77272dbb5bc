"""Development secrets kept under DATA_DIR so they survive restarts (production passes them in settings)."""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from lynriescoop.settings import Settings


def jwt_secret(settings: Settings) -> str:
    """``JWT_SECRET`` when set; otherwise a random secret generated once in ``DATA_DIR/jwt-secret``."""
    if settings.jwt_secret is not None:
        return settings.jwt_secret.get_secret_value()
    path = Path(settings.data_dir) / "jwt-secret"
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        # O_EXCL: when two processes start at once, exactly one writes the secret and both read it.
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        pass
    else:
        with os.fdopen(fd, "w") as handle:
            handle.write(secrets.token_urlsafe(48))
    for _ in range(50):
        value = path.read_text().strip()
        if value:
            return value
    raise RuntimeError(f"{path} is empty")
