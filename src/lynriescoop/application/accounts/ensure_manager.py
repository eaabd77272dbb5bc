"""Create a manager, or promote an existing account (``lynriescoop create-manager``)."""

from __future__ import annotations

from dataclasses import dataclass

from lynriescoop.application.ports.clock import Clock
from lynriescoop.application.ports.security import PasswordHasher
from lynriescoop.application.ports.unit_of_work import UnitOfWorkFactory
from lynriescoop.domain.users import Role, User, check_password_length
from lynriescoop.domain.values import EmailAddress


@dataclass(frozen=True, slots=True)
class EnsureManagerCommand:
    email: str
    name: str
    password: str


class EnsureManager:
    """Rules:

    - the email must be valid, the name not blank and the password 8..128 characters (ValueError otherwise);
    - a new email becomes an active manager with that name and password;
    - an existing account becomes an active manager and keeps its name and password; a role or active-flag
      change revokes its refresh tokens, like any such change;
    - the answer is one line saying what happened.
    """

    def __init__(self, uow_factory: UnitOfWorkFactory, hasher: PasswordHasher, clock: Clock) -> None:
        self._uow_factory = uow_factory
        self._hasher = hasher
        self._clock = clock

    async def __call__(self, command: EnsureManagerCommand) -> str:
        email = EmailAddress(command.email)
        check_password_length(command.password)
        if not command.name.strip():
            raise ValueError("a name cannot be empty")
        now = self._clock.now()
        async with self._uow_factory() as uow:
            found = await uow.users.get_by_email(email.value)
            existing = await uow.users.get(found.id, for_update=True) if found is not None else None
            if existing is not None:
                if existing.is_manager:
                    return f"{email} is already a manager"
                outcome = f"promoted {email} to manager" if existing.role is Role.USER else f"reactivated {email}"
                existing.role, existing.is_active = Role.MANAGER, True
                await uow.users.update(existing)
                await uow.refresh_tokens.revoke_all_for_user(existing.id, now)
                await uow.commit()
                return outcome
        password_hash = await self._hasher.hash(command.password)
        user = User(email=email, name=command.name, password_hash=password_hash, created_at=now, role=Role.MANAGER)
        async with self._uow_factory() as uow:
            await uow.users.add(user)
            await uow.commit()
        return f"created manager {email}"
