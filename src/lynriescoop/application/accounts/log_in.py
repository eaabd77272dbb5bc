"""Log in with an email and a password."""

from __future__ import annotations

from dataclasses import dataclass

from lynriescoop.application.accounts.login_throttle import LoginThrottle
from lynriescoop.application.accounts.sessions import SessionIssuer, SessionTokens
from lynriescoop.application.ports.clock import Clock
from lynriescoop.application.ports.security import PasswordHasher
from lynriescoop.application.ports.unit_of_work import UnitOfWorkFactory
from lynriescoop.domain.errors import AccountDisabled, InvalidCredentials
from lynriescoop.domain.users import User


@dataclass(frozen=True, slots=True)
class LogInCommand:
    email: str
    password: str
    client: str | None = None
    """The client's network address, for throttling (None when unknown)."""


class LogIn:
    """Rules:

    - after too many failed logins for the email or for the client address within the window, every attempt
      is refused with ``too_many_attempts`` and the seconds to wait, whatever the password;
    - an unknown email and a wrong password give the same ``invalid_credentials`` after the same argon2 work
      (a dummy hash is verified for an unknown email), and both count as failures;
    - the right password on a deactivated account gives ``account_disabled`` (and is not a failure);
    - success clears the email's failures, rehashes the password when the hashing parameters changed,
      and starts a new session (a new refresh token family).
    """

    def __init__(
        self,
        uow_factory: UnitOfWorkFactory,
        hasher: PasswordHasher,
        sessions: SessionIssuer,
        throttle: LoginThrottle,
        clock: Clock,
    ) -> None:
        self._uow_factory = uow_factory
        self._hasher = hasher
        self._sessions = sessions
        self._throttle = throttle
        self._clock = clock

    async def __call__(self, command: LogInCommand) -> SessionTokens:
        keys = self._throttle.keys(command.email, command.client)
        now = self._clock.now()
        async with self._uow_factory() as uow:
            await self._throttle.check(uow, keys, now)
            found = await uow.users.get_by_email(command.email.strip().lower())
        # argon2 runs outside any transaction, so it never holds a database connection.
        verified = await self._verify(found, command.password)
        rehashed = None
        if verified is not None and self._hasher.needs_rehash(verified.password_hash):
            rehashed = await self._hasher.hash(command.password)
        async with self._uow_factory() as uow:
            # Read again: the account may have changed while the password was being checked.
            user = await uow.users.get(verified.id) if verified is not None else None
            if user is None or verified is None or user.password_hash != verified.password_hash:
                await self._throttle.record_failure(uow, keys, now)
                await uow.commit()
                raise InvalidCredentials()
            if not user.is_active:
                raise AccountDisabled()
            if rehashed is not None:
                user.password_hash = rehashed
                await uow.users.update(user)
            await uow.login_attempts.clear(keys[0])
            session = await self._sessions.issue(uow, user, now)
            await uow.commit()
        return session

    async def _verify(self, user: User | None, password: str) -> User | None:
        """The user when the password is right, else None; the same argon2 work either way."""
        if user is None:
            await self._hasher.burn(password)
            return None
        return user if await self._hasher.verify(user.password_hash, password) else None
