"""FastAPI dependencies: providers of the app's container, and who is calling.

Routes ask the container of *their* app (``request.app.state.container``) rather than a module-level wiring,
so several app instances can live in one process (the two-instance tests rely on it).
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Annotated, Any, TypeVar

from dependency_injector import providers
from fastapi import Depends, Request
from fastapi.security import OAuth2PasswordBearer

from lynriescoop.application.ports.security import AccessClaims
from lynriescoop.domain.errors import Forbidden, NotAuthenticated
from lynriescoop.domain.users import User
from lynriescoop.entrypoints.container import Container

T = TypeVar("T")

oauth2_scheme = OAuth2PasswordBearer(tokenUrl="/auth/login", auto_error=False)


def container_of(request: Request) -> Container:
    container: Container = request.app.state.container
    return container


def _provider_name(provider: providers.Provider[Any]) -> str:
    """The attribute of :class:`Container` that holds ``provider`` (``Container.place_booking`` -> "place_booking")."""
    for name, candidate in Container.cls_providers.items():
        if candidate is provider:
            return name
    raise LookupError(f"{provider!r} is not a provider of Container")


def provide(provider: providers.Provider[T]) -> Callable[[Request], Coroutine[Any, Any, T]]:
    """A dependency resolving ``provider`` on the container of the request's app:
    ``Annotated[PlaceBooking, Depends(provide(Container.place_booking))]``.

    The reference is typed (mypy checks the attribute exists, go-to-definition lands on the wiring), and the lookup
    happens on *this* app's container, so several apps per process keep their own wiring. The provider's name is
    found once, when the route is declared. ``async`` on purpose: FastAPI runs a plain ``def`` dependency in its
    thread pool, a thread hop on every request for what is only a factory call (see docs/benchmarks.md).
    """
    name = _provider_name(provider)

    async def dependency(request: Request) -> T:
        resolved: T = getattr(container_of(request), name)()
        return resolved

    dependency.__name__ = f"provide_{name}"
    dependency.provider = provider  # type: ignore[attr-defined]  # read by tests/unit/test_wiring.py
    return dependency


def resolve(request: Request, provider: providers.Provider[T]) -> T:
    """``provider`` resolved on the container of the request's app, inside a route: for the cached reads, which
    build their use case only on a cache miss (a dependency would build it on every request)."""
    name = _NAMES.get(id(provider)) or _NAMES.setdefault(id(provider), _provider_name(provider))
    resolved: T = getattr(container_of(request), name)()
    return resolved


_NAMES: dict[int, str] = {}


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
