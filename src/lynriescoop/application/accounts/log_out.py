"""End a session by its refresh token."""

from __future__ import annotations

from lynriescoop.application.accounts.sessions import SessionIssuer
from lynriescoop.application.ports.clock import Clock
from lynriescoop.application.ports.unit_of_work import UnitOfWorkFactory


class LogOut:
    """Rules:

    - the presented refresh token and every other token of its family (the session) are revoked;
    - an unknown or already revoked token is not an error: logging out twice is the same as once.
    """

    def __init__(self, uow_factory: UnitOfWorkFactory, sessions: SessionIssuer, clock: Clock) -> None:
        self._uow_factory = uow_factory
        self._sessions = sessions
        self._clock = clock

    async def __call__(self, refresh_token: str) -> None:
        async with self._uow_factory() as uow:
            token = await uow.refresh_tokens.get_by_hash(self._sessions.hash_refresh_token(refresh_token))
            if token is not None:
                await uow.refresh_tokens.revoke_family(token.family_id, self._clock.now())
                await uow.commit()
