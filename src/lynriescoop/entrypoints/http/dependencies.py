"""FastAPI dependencies: providers of the app's container, and who is calling.

Routes ask the container of *their* app (``request.app.state.container``) rather than a module-level wiring,
so several app instances can live in one process (the two-instance tests rely on it).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any
from uuid import UUID

from fastapi import Depends, Request
from fastapi.security import OAuth2PasswordBearer

from lynriescoop.application.ports.security import AccessClaims
from lynriescoop.domain.errors import Forbidden, NotAuthenticated
from lynriescoop.domain.users import User
from lynriescoop.entrypoints.container import Container

oauth2_scheme = OAuth2PasswordBearer(tokenUrl="/auth/login", auto_error=False)


def container_of(request: Request) -> Container:
    container: Container = request.app.state.container
    return container


def provide(name: str) -> Callable[[Request], Any]:
    """A dependency returning ``container.<name>()``: ``Annotated[RegisterUser, Depends(provide("register_user"))]``.

    ``async`` on purpose: FastAPI runs a plain ``def`` dependency in its thread pool, a thread hop on every request
    for what is only a factory call (see docs/benchmarks.md).
    """

    async def dependency(request: Request) -> Any:
        return getattr(container_of(request), name)()

    dependency.__name__ = f"provide_{name}"
    return dependency


async def current_claims(request: Request, token: Annotated[str | None, Depends(oauth2_scheme)]) -> AccessClaims:
    """The verified claims of the bearer token: 401 ``not_authenticated`` when missing or invalid."""
    if not token:
        raise NotAuthenticated("A bearer access token is required.")
    return container_of(request).token_service().verify_access(token)


async def current_user(request: Request, claims: Annotated[AccessClaims, Depends(current_claims)]) -> User:
    """The calling user, read from the database: a deleted or deactivated account is no longer accepted."""
    async with container_of(request).uow() as uow:
        user = await uow.users.get(claims.user_id)
    if user is None or not user.is_active:
        raise NotAuthenticated("The account is unknown or disabled.")
    return user


async def current_manager(user: Annotated[User, Depends(current_user)]) -> User:
    """A manager, checked against the current role in the database (not only the token's claim)."""
    if not user.is_manager:
        raise Forbidden("This route is for managers.")
    return user


async def current_door_staff(user: Annotated[User, Depends(current_user)]) -> User:
    """Door staff or a manager, checked against the current role in the database."""
    if not user.can_check_in:
        raise Forbidden("This route is for door staff and managers.")
    return user


Claims = Annotated[AccessClaims, Depends(current_claims)]
CurrentUser = Annotated[User, Depends(current_user)]
CurrentManager = Annotated[User, Depends(current_manager)]
CurrentDoorStaff = Annotated[User, Depends(current_door_staff)]


def user_id_of(claims: AccessClaims) -> UUID:
    return claims.user_id
