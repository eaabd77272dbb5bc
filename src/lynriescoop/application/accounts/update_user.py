"""Change another account's role or active flag, for managers."""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID

from lynriescoop.application.ports.clock import Clock
from lynriescoop.application.ports.unit_of_work import UnitOfWorkFactory
from lynriescoop.domain.errors import LastManager, UserNotFound
from lynriescoop.domain.users import Role, User


@dataclass(frozen=True, slots=True)
class UpdateUserCommand:
    user_id: UUID
    role: Role | None = None
    is_active: bool | None = None


class UpdateUser:
    """Rules:

    - an unknown user is ``user_not_found``;
    - a change that would leave no active manager is refused with ``last_manager``; concurrent changes
      serialise on the managers lock, so two managers demoting each other cannot both succeed;
    - changing the role or the active flag revokes every refresh token of that user (a deactivated user's
      access tokens stop working at once, since every authenticated route reads the account);
    - a request that changes nothing answers the user unchanged.
    """

    def __init__(self, uow_factory: UnitOfWorkFactory, clock: Clock) -> None:
        self._uow_factory = uow_factory
        self._clock = clock

    async def __call__(self, command: UpdateUserCommand) -> User:
        async with self._uow_factory() as uow:
            await uow.users.lock_managers()
            user = await uow.users.get(command.user_id, for_update=True)
            if user is None:
                raise UserNotFound()
            role = command.role if command.role is not None else user.role
            is_active = command.is_active if command.is_active is not None else user.is_active
            if (role, is_active) == (user.role, user.is_active):
                return user
            was_manager = user.is_manager
            user.role, user.is_active = role, is_active
            if was_manager and not user.is_manager and await uow.users.count_active_managers() <= 1:
                raise LastManager()
            await uow.users.update(user)
            await uow.refresh_tokens.revoke_all_for_user(user.id, self._clock.now())
            await uow.commit()
        return user
