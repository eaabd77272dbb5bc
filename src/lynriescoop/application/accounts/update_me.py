"""Change one's own name, avatar or password."""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID

from lynriescoop.application.accounts.login_throttle import Attempt, LoginThrottle
from lynriescoop.application.ports.clock import Clock
from lynriescoop.application.ports.security import PasswordHasher
from lynriescoop.application.ports.unit_of_work import UnitOfWorkFactory
from lynriescoop.domain.errors import InvalidCredentials, NotAuthenticated, RuleViolated, ServiceBusy
from lynriescoop.domain.users import User, check_password_length


@dataclass(frozen=True, slots=True)
class UpdateMeCommand:
    user_id: UUID
    name: str | None = None
    avatar: str | None = None
    change_avatar: bool = False
    """True when ``avatar`` was given, so that None clears it."""
    password: str | None = None
    current_password: str | None = None
    client: str | None = None
    """The client's network address, for throttling (None when unknown)."""


class UpdateMe:
    """Rules:

    - the name, when given, is not blank; the avatar may be set or cleared;
    - a new password (8..128 characters) needs ``current_password``; a wrong one is ``invalid_credentials``;
    - checking ``current_password`` is throttled like a login, sharing its counts (per email of the account and per
      client address): each check counts as a failure before argon2 runs, the right password takes it back, and
      past the limit the answer is ``too_many_attempts`` with the seconds to wait;
    - the account's row is locked from the read to the write, so a concurrent deactivation, role change or
      password change is never overwritten with what this request read;
    - a password change revokes every refresh token of the account: other sessions must log in again
      (an access token does not name its session, so the caller's own refresh token goes too);
    - a deleted or deactivated account is ``not_authenticated``.
    """

    def __init__(
        self, uow_factory: UnitOfWorkFactory, hasher: PasswordHasher, clock: Clock, throttle: LoginThrottle
    ) -> None:
        self._uow_factory = uow_factory
        self._hasher = hasher
        self._clock = clock
        self._throttle = throttle

    async def __call__(self, command: UpdateMeCommand) -> User:
        name = _checked(command)
        change = await self._new_password_hash(command) if command.password is not None else None
        async with self._uow_factory() as uow:
            user = await uow.users.get(command.user_id, for_update=True)
            if user is None or not user.is_active:
                raise NotAuthenticated("The account is unknown or disabled.")
            if name is not None:
                user.name = name
            if command.change_avatar:
                user.avatar = command.avatar
            if change is not None:
                verified_hash, new_hash, attempt = change
                if user.password_hash != verified_hash:
                    raise InvalidCredentials("The password changed meanwhile; try again.")
                user.password_hash = new_hash
                await uow.refresh_tokens.revoke_all_for_user(user.id, self._clock.now())
                await self._throttle.succeeded(uow, attempt)
            await uow.users.update(user)
            await uow.commit()
        return user

    async def _new_password_hash(self, command: UpdateMeCommand) -> tuple[str, str, Attempt]:
        """(the hash that ``current_password`` matched, the hash of the new password, the counted attempt).

        argon2 runs outside any transaction, so it never holds a database connection.
        """
        async with self._uow_factory() as uow:
            user = await uow.users.get(command.user_id)
            if user is None or not user.is_active:
                raise NotAuthenticated("The account is unknown or disabled.")
            keys = self._throttle.keys(user.email.value, command.client)
            attempt = await self._throttle.reserve(uow, keys, self._clock.now())
            await uow.commit()
        try:
            if not await self._hasher.verify(user.password_hash, command.current_password or ""):
                raise InvalidCredentials("The current password is wrong.")  # counted already
            new_hash = await self._hasher.hash(command.password or "")
        except ServiceBusy:
            await self._throttle.release_now(self._uow_factory, attempt)
            raise
        return user.password_hash, new_hash, attempt


def _checked(command: UpdateMeCommand) -> str | None:
    """The trimmed new name; raises RuleViolated for a blank name or an unacceptable password change."""
    try:
        if command.password is not None:
            if not command.current_password:
                raise ValueError("a new password needs current_password")
            check_password_length(command.password)
        if command.name is not None and not command.name.strip():
            raise ValueError("a name cannot be empty")
    except ValueError as exc:
        raise RuleViolated(str(exc), code="validation_error") from exc
    return command.name.strip() if command.name is not None else None
