"""Development secrets kept under DATA_DIR so they survive restarts (production passes them in settings)."""

from __future__ import annotations

import os
import secrets
from collections.abc import Callable
from pathlib import Path

from lynriescoop.adapters.security.ed25519_tickets import generate_private_key
from lynriescoop.settings import Settings


def jwt_secret(settings: Settings) -> str:
    """``JWT_SECRET`` when set; otherwise a random secret generated once in ``DATA_DIR/jwt-secret``."""
    if settings.jwt_secret is not None:
        return settings.jwt_secret.get_secret_value()
    return _generated_once(Path(settings.data_dir) / "jwt-secret", lambda: secrets.token_urlsafe(48))


def ticket_signing_key(settings: Settings) -> str:
    """``TICKET_SIGNING_KEY`` when set; otherwise an Ed25519 key generated once in ``DATA_DIR/ticket-signing-key``
    (production refuses to start without the setting, see ``Settings.check_startable``)."""
    if settings.ticket_signing_key is not None:
        return settings.ticket_signing_key.get_secret_value().strip()
    return _generated_once(Path(settings.data_dir) / "ticket-signing-key", generate_private_key)


def _generated_once(path: Path, generate: Callable[[], str]) -> str:
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        # O_EXCL: when two processes start at once, exactly one writes the secret and both read it.
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        pass
    else:
        with os.fdopen(fd, "w") as handle:
            handle.write(generate())
    for _ in range(50):
        value = path.read_text().strip()
        if value:
            return value
    raise RuntimeError(f"{path} is empty")
