"""Log in with an email and a password."""

from __future__ import annotations

from dataclasses import dataclass

from lynriescoop.application.accounts.login_throttle import LoginThrottle
from lynriescoop.application.accounts.sessions import SessionIssuer, SessionTokens
from lynriescoop.application.ports.clock import Clock
from lynriescoop.application.ports.security import PasswordHasher
from lynriescoop.application.ports.unit_of_work import UnitOfWorkFactory
from lynriescoop.domain.errors import AccountDisabled, InvalidCredentials, ServiceBusy
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
    - each attempt is counted as a failure *before* its password is checked (atomically, whatever the number of
      processes), so parallel guesses cannot all slip under the limit; the right password takes it back;
    - an unknown email and a wrong password give the same ``invalid_credentials`` after the same argon2 work
      (a dummy hash is verified for an unknown email), and both count as failures;
    - the right password on a deactivated account gives ``account_disabled`` (and is not a failure);
    - when the password hashing queue is full the answer is ``busy`` (503, Retry-After) and the attempt does not
      count;
    - success clears the email's failures, rehashes the password when the hashing parameters changed (unless the
      password changed meanwhile: then the login fails), and starts a new session (a new refresh token family).
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
            attempt = await self._throttle.reserve(uow, keys, now)
            found = await uow.users.get_by_email(command.email.strip().lower())
            await uow.commit()
        # argon2 runs outside any transaction, so it never holds a database connection.
        try:
            verified = await self._verify(found, command.password)
            rehashed = None
            if verified is not None and self._hasher.needs_rehash(verified.password_hash):
                rehashed = await self._hasher.hash(command.password)
        except ServiceBusy:
            await self._throttle.release_now(self._uow_factory, attempt)
            raise
        if verified is None:
            raise InvalidCredentials()  # counted already
        async with self._uow_factory() as uow:
            # Read again, locked: the account may have changed while the password was being checked, and must not
            # change between this read and the write of a new hash.
            user = await uow.users.get(verified.id, for_update=True)
            if user is None or user.password_hash != verified.password_hash:
                raise InvalidCredentials()
            if not user.is_active:
                await self._throttle.release(uow, attempt)
                await uow.commit()
                raise AccountDisabled()
            if rehashed is not None:
                user.password_hash = rehashed
                await uow.users.update(user)
            await self._throttle.succeeded(uow, attempt)
            session = await self._sessions.issue(uow, user, now)
            await uow.commit()
        return session

    async def _verify(self, user: User | None, password: str) -> User | None:
        """The user when the password is right, else None; the same argon2 work either way."""
        if user is None:
            await self._hasher.burn(password)
            return None
        return user if await self._hasher.verify(user.password_hash, password) else None
