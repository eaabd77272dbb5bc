"""User management for managers (API.md §7, the user rows)."""

from __future__ import annotations

import inspect
from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Depends, Query

from lynriescoop.application.accounts.list_users import ListUsers, ListUsersQuery
from lynriescoop.application.accounts.update_user import UpdateUser, UpdateUserCommand
from lynriescoop.domain.users import Role
from lynriescoop.entrypoints.container import Container
from lynriescoop.entrypoints.http.dependencies import CurrentManager, provide
from lynriescoop.entrypoints.http.openapi_problems import problems
from lynriescoop.entrypoints.http.schemas.accounts import UpdateUserRequest, User, UserPage

router = APIRouter(prefix="/admin/users", tags=["admin"])

MANAGER_ONLY = ((401, "not_authenticated"), (403, "forbidden"), (422, "validation_error"))


AUTH = "**Auth:** manager (role and active flag checked in the database)."


def _describe(use_case: type) -> str:
    return f"{AUTH}\n\n{inspect.cleandoc(use_case.__doc__ or '')}"


@router.get("", summary="List users", description=_describe(ListUsers), responses=problems(*MANAGER_ONLY))
async def list_users(
    _: CurrentManager,
    use_case: Annotated[ListUsers, Depends(provide(Container.list_users))],
    q: Annotated[str | None, Query(max_length=200, description="substring of the email or name")] = None,
    role: Role | None = None,
    is_active: bool | None = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> UserPage:
    query = ListUsersQuery(q=q, role=role, is_active=is_active, limit=limit, offset=offset)
    return UserPage.of(await use_case(query))


@router.patch(
    "/{user_id}",
    summary="Change a user's role or active flag",
    description=_describe(UpdateUser),
    responses=problems(*MANAGER_ONLY, (404, "user_not_found"), (409, "last_manager")),
)
async def update_user(
    user_id: UUID,
    body: UpdateUserRequest,
    _: CurrentManager,
    use_case: Annotated[UpdateUser, Depends(provide(Container.update_user))],
) -> User:
    return User.of(await use_case(UpdateUserCommand(user_id=user_id, role=body.role, is_active=body.is_active)))
