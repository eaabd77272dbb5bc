"""Register a customer account and start its first session."""

from __future__ import annotations

from dataclasses import dataclass

from lynriescoop.application.accounts.sessions import SessionIssuer, SessionTokens
from lynriescoop.application.ports.clock import Clock
from lynriescoop.application.ports.security import PasswordHasher
from lynriescoop.application.ports.unit_of_work import UnitOfWorkFactory
from lynriescoop.domain.errors import RuleViolated
from lynriescoop.domain.users import Role, User, check_password_length
from lynriescoop.domain.values import EmailAddress


@dataclass(frozen=True, slots=True)
class RegisterCommand:
    email: str
    name: str
    password: str


class RegisterUser:
    """Rules:

    - the email is normalised (trimmed, lower-case) and unique case-insensitively: ``email_taken`` otherwise;
    - the password has 8..128 characters and the name is not blank;
    - a new account always has the role ``user`` and is active;
    - registering logs the user in: the answer is a fresh token pair.
    """

    def __init__(
        self, uow_factory: UnitOfWorkFactory, hasher: PasswordHasher, sessions: SessionIssuer, clock: Clock
    ) -> None:
        self._uow_factory = uow_factory
        self._hasher = hasher
        self._sessions = sessions
        self._clock = clock

    async def __call__(self, command: RegisterCommand) -> SessionTokens:
        try:
            email = EmailAddress(command.email)
            check_password_length(command.password)
            if not command.name.strip():
                raise ValueError("a name cannot be empty")
        except ValueError as exc:
            raise RuleViolated(str(exc), code="validation_error") from exc
        password_hash = await self._hasher.hash(command.password)
        now = self._clock.now()
        user = User(email=email, name=command.name, password_hash=password_hash, created_at=now, role=Role.USER)
        async with self._uow_factory() as uow:
            await uow.users.add(user)
            session = await self._sessions.issue(uow, user, now)
            await uow.commit()
        return session
