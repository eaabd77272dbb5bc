"""Demo data and manager accounts for the command line (``lynriescoop seed``, ``create-manager``).

Each part runs its own use cases through the container, so seeding follows the same rules as the API.
Running the seed twice changes nothing.
"""

from __future__ import annotations

from lynriescoop.entrypoints.container import Container, build_container
from lynriescoop.settings import Settings


async def seed_demo_data(settings: Settings, *, quiet: bool) -> None:
    container = build_container(settings)
    try:
        lines = await _seed(container)
        if not quiet:
            for line in lines:
                print(line, flush=True)
    finally:
        await container.engine().dispose()


async def _seed(container: Container) -> list[str]:
    lines: list[str] = []
    return lines


async def create_manager(settings: Settings, email: str, name: str, password: str) -> str:
    raise ValueError("create-manager needs the accounts capability")
