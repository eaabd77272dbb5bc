"""The calling user's own account."""

from __future__ import annotations

from uuid import UUID

from lynriescoop.application.ports.unit_of_work import UnitOfWorkFactory
from lynriescoop.domain.errors import NotAuthenticated
from lynriescoop.domain.users import User


class GetMe:
    """Rules: the account is read from the database; a deleted or deactivated one is ``not_authenticated``,
    even while its access token has not expired."""

    def __init__(self, uow_factory: UnitOfWorkFactory) -> None:
        self._uow_factory = uow_factory

    async def __call__(self, user_id: UUID) -> User:
        async with self._uow_factory() as uow:
            user = await uow.users.get(user_id)
        if user is None or not user.is_active:
            raise NotAuthenticated("The account is unknown or disabled.")
        return user
