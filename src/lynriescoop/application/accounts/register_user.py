"""Register a customer account and start its first session."""

from __future__ import annotations

from dataclasses import dataclass

from lynriescoop.application.accounts.login_throttle import RegistrationThrottle
from lynriescoop.application.accounts.sessions import SessionIssuer, SessionTokens
from lynriescoop.application.ports.clock import Clock
from lynriescoop.application.ports.security import PasswordHasher
from lynriescoop.application.ports.unit_of_work import UnitOfWorkFactory
from lynriescoop.domain.errors import RuleViolated, ServiceBusy
from lynriescoop.domain.users import Role, User, check_password_length
from lynriescoop.domain.values import EmailAddress


@dataclass(frozen=True, slots=True)
class RegisterCommand:
    email: str
    name: str
    password: str
    client: str | None = None
    """The client's network address, for throttling (None when unknown)."""


class RegisterUser:
    """Rules:

    - the email is normalised (trimmed, lower-case) and unique case-insensitively: ``email_taken`` otherwise;
    - the password has 8..128 characters and the name is not blank;
    - a new account always has the role ``user`` and is active;
    - registrations are throttled per client address: each one that passes validation counts (taken or not),
      before its password is hashed; past the limit the answer is ``too_many_attempts`` with the seconds to wait;
    - when the password hashing queue is full the answer is ``busy`` (503, Retry-After) and the attempt does not
      count;
    - registering logs the user in: the answer is a fresh token pair.
    """

    def __init__(
        self,
        uow_factory: UnitOfWorkFactory,
        hasher: PasswordHasher,
        sessions: SessionIssuer,
        clock: Clock,
        throttle: RegistrationThrottle,
    ) -> None:
        self._uow_factory = uow_factory
        self._hasher = hasher
        self._sessions = sessions
        self._clock = clock
        self._throttle = throttle

    async def __call__(self, command: RegisterCommand) -> SessionTokens:
        try:
            email = EmailAddress(command.email)
            check_password_length(command.password)
            if not command.name.strip():
                raise ValueError("a name cannot be empty")
        except ValueError as exc:
            raise RuleViolated(str(exc), code="validation_error") from exc
        now = self._clock.now()
        async with self._uow_factory() as uow:
            attempt = await self._throttle.reserve(uow, self._throttle.keys(command.client), now)
            await uow.commit()
        try:
            password_hash = await self._hasher.hash(command.password)
        except ServiceBusy:
            await self._throttle.release_now(self._uow_factory, attempt)
            raise
        user = User(email=email, name=command.name, password_hash=password_hash, created_at=now, role=Role.USER)
        async with self._uow_factory() as uow:
            await uow.users.add(user)
            session = await self._sessions.issue(uow, user, now)
            await uow.commit()
        return session
