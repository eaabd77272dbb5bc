"""Background services that live as long as the app: started in order, stopped in reverse."""

from __future__ import annotations

from typing import Protocol


class BackgroundService(Protocol):
    name: str

    async def start(self) -> None: ...

    async def stop(self) -> None: ...
