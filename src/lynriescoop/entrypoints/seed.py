"""Demo data and manager accounts for the command line (``lynriescoop seed``, ``create-manager``).

Each part runs its own use cases through the container, so seeding follows the same rules as the API.
Running the seed twice changes nothing.
"""

from __future__ import annotations

from lynriescoop.application.accounts.ensure_manager import EnsureManagerCommand
from lynriescoop.application.accounts.seed_demo_users import DEMO_ACCOUNTS
from lynriescoop.domain.errors import DomainError
from lynriescoop.entrypoints.container import Container, build_container
from lynriescoop.entrypoints.seed_movies import seed_movies
from lynriescoop.entrypoints.seed_schedule import seed_schedule
from lynriescoop.settings import Settings


async def seed_demo_data(settings: Settings, *, quiet: bool) -> None:
    container = build_container(settings)
    try:
        lines = await _seed(container)
        if not quiet:
            for line in lines:
                print(line, flush=True)
    finally:
        container.password_hasher().close()
        await container.engine().dispose()


async def _seed(container: Container) -> list[str]:
    lines: list[str] = []
    lines += await container.seed_demo_users()()
    movies = await seed_movies(container, lines)  # returns the demo movies (for the showings of the week)
    lines += await seed_schedule(container, [movie.id for movie in movies])
    return lines


async def demo_accounts_present(settings: Settings) -> list[str]:
    """The emails of the seeded demo accounts (published passwords) that exist in the database."""
    container = build_container(settings)
    try:
        present: list[str] = []
        async with container.uow() as uow:
            for account in DEMO_ACCOUNTS:
                if await uow.users.get_by_email(account.email.lower()) is not None:
                    present.append(account.email)
        return present
    finally:
        container.password_hasher().close()
        await container.engine().dispose()


async def create_manager(settings: Settings, email: str, name: str, password: str) -> str:
    container = build_container(settings)
    try:
        command = EnsureManagerCommand(email=email, name=name, password=password)
        outcome: str = await container.ensure_manager()(command)
        return outcome
    except DomainError as exc:  # e.g. the email was registered at the same moment
        raise ValueError(exc.detail) from exc
    finally:
        container.password_hasher().close()
        await container.engine().dispose()
