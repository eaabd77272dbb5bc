"""The demo manager and customer of ``lynriescoop seed``."""

from __future__ import annotations

from dataclasses import dataclass

from lynriescoop.application.ports.clock import Clock
from lynriescoop.application.ports.security import PasswordHasher
from lynriescoop.application.ports.unit_of_work import UnitOfWorkFactory
from lynriescoop.domain.errors import EmailTaken
from lynriescoop.domain.users import Role, User
from lynriescoop.domain.values import EmailAddress


@dataclass(frozen=True, slots=True)
class DemoAccount:
    email: str
    name: str
    password: str
    role: Role


DEMO_ACCOUNTS = (
    DemoAccount("manager@lynriescoop.local", "Demo Manager", "manager-demo-123", Role.MANAGER),
    DemoAccount("door@lynriescoop.local", "Demo Door Person", "door-demo-123", Role.STAFF),
    DemoAccount("customer@lynriescoop.local", "Demo Customer", "customer-demo-123", Role.USER),
)


class SeedDemoUsers:
    """Rules:

    - each demo account is created when its email is free;
    - an existing account with that email is left untouched (its role, name and password stay as they are);
    - the answer has one line per account with its credentials, for the operator to read.
    """

    def __init__(
        self,
        uow_factory: UnitOfWorkFactory,
        hasher: PasswordHasher,
        clock: Clock,
        accounts: tuple[DemoAccount, ...] = DEMO_ACCOUNTS,
    ) -> None:
        self._uow_factory = uow_factory
        self._hasher = hasher
        self._clock = clock
        self._accounts = accounts

    async def __call__(self) -> list[str]:
        lines = []
        for account in self._accounts:
            created = await self._create(account)
            state = "created" if created else "already present, left unchanged"
            lines.append(f"demo {account.role.value}: {account.email} / {account.password} ({state})")
        return lines

    async def _create(self, account: DemoAccount) -> bool:
        async with self._uow_factory() as uow:
            if await uow.users.get_by_email(account.email) is not None:
                return False
        password_hash = await self._hasher.hash(account.password)
        user = User(
            email=EmailAddress(account.email),
            name=account.name,
            password_hash=password_hash,
            created_at=self._clock.now(),
            role=account.role,
        )
        async with self._uow_factory() as uow:
            try:
                await uow.users.add(user)
            except EmailTaken:
                return False  # another process seeded it meanwhile
            await uow.commit()
        return True
