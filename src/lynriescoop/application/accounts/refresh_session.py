"""Exchange a refresh token for a new token pair (rotation with reuse detection)."""

from __future__ import annotations

from lynriescoop.application.accounts.sessions import SessionIssuer, SessionTokens
from lynriescoop.application.ports.clock import Clock
from lynriescoop.application.ports.unit_of_work import UnitOfWorkFactory
from lynriescoop.domain.errors import NotAuthenticated
from lynriescoop.domain.users import RefreshTokenState


class RefreshSession:
    """Rules:

    - an unknown, revoked or expired refresh token is refused with ``not_authenticated``;
    - every use rotates the token: the presented one is marked rotated and a new one of the same family issued;
    - a token that was already rotated is being reused (someone holds a copy): every refresh token of that user
      is revoked, and the request is refused;
    - a deactivated or deleted account cannot refresh;
    - a rotation racing a "revoke all" of the same user never leaves its new token alive (they serialise on the
      user's row).
    """

    def __init__(self, uow_factory: UnitOfWorkFactory, sessions: SessionIssuer, clock: Clock) -> None:
        self._uow_factory = uow_factory
        self._sessions = sessions
        self._clock = clock

    async def __call__(self, refresh_token: str) -> SessionTokens:
        now = self._clock.now()
        token_hash = self._sessions.hash_refresh_token(refresh_token)
        async with self._uow_factory() as uow:
            found = await uow.refresh_tokens.get_by_hash(token_hash, for_update=False)
            if found is None:
                raise NotAuthenticated("The refresh token is invalid.")
            # The user's row lock first, then the token's (the order "revoke all" takes them in): a concurrent
            # "revoke all" (password change, deactivation, reuse detection) either commits before this rotation
            # reads the token below (and the token is found revoked) or waits until the new token is committed
            # (and revokes it too). The lock also keeps the account from being deactivated meanwhile.
            user = await uow.users.get(found.user_id, for_update=True)
            token = await uow.refresh_tokens.get_by_hash(token_hash)
            state = token.state(now) if token is not None else RefreshTokenState.REVOKED
            if token is None or state is RefreshTokenState.REVOKED:
                raise NotAuthenticated("The refresh token is invalid.")
            if state is RefreshTokenState.ROTATED:
                await uow.refresh_tokens.revoke_all_for_user(token.user_id, now)
                await uow.commit()
                raise NotAuthenticated("The refresh token was already used; every session of the account is closed.")
            if state is RefreshTokenState.EXPIRED:
                raise NotAuthenticated("The refresh token has expired.")
            if user is None or not user.is_active:
                raise NotAuthenticated("The account is unknown or disabled.")
            token.rotate(now)
            await uow.refresh_tokens.update(token)
            session = await self._sessions.issue(uow, user, now, family_id=token.family_id)
            await uow.commit()
        return session
