"""The password hasher's thread pool, shut down with the app."""

from __future__ import annotations

from typing import Protocol


class Closable(Protocol):
    def close(self) -> None: ...


class HasherPoolShutdown:
    """A background service with nothing to start: on stop it shuts the argon2 thread pool down."""

    name = "password hasher pool"

    def __init__(self, hasher: Closable) -> None:
        self._hasher = hasher

    async def start(self) -> None:
        return None

    async def stop(self) -> None:
        self._hasher.close()
