"""Accounts and authentication (API.md §2)."""

from __future__ import annotations

import inspect
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request, Response, status
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, ValidationError

from lynriescoop.application.accounts.get_me import GetMe
from lynriescoop.application.accounts.log_in import LogIn, LogInCommand
from lynriescoop.application.accounts.log_out import LogOut
from lynriescoop.application.accounts.refresh_session import RefreshSession
from lynriescoop.application.accounts.register_user import RegisterCommand, RegisterUser
from lynriescoop.application.accounts.update_me import UpdateMe, UpdateMeCommand
from lynriescoop.entrypoints.container import Container
from lynriescoop.entrypoints.http.dependencies import Claims, provide
from lynriescoop.entrypoints.http.openapi_problems import problems
from lynriescoop.entrypoints.http.schemas.accounts import (
    LoginForm,
    LoginRequest,
    RefreshTokenRequest,
    RegisterRequest,
    TokenPair,
    UpdateMeRequest,
    User,
)

router = APIRouter(prefix="/auth", tags=["auth"])

FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")
UNAUTHENTICATED = (401, "not_authenticated")
INVALID = (422, "validation_error")
THROTTLED = (429, "too_many_attempts")
BUSY = (503, "busy")


def _client_address(request: Request) -> str | None:
    """The peer's address, what throttling counts per client (behind a proxy, as uvicorn's ``--proxy-headers`` and
    ``--forwarded-allow-ips`` make it)."""
    return request.client.host if request.client else None


def _describe(auth: str, use_case: type) -> str:
    return f"**Auth:** {auth}\n\n{inspect.cleandoc(use_case.__doc__ or '')}"


def _inline(model: type[BaseModel]) -> dict[str, Any]:
    return model.model_json_schema()


LOGIN_BODY = {
    "required": True,
    "content": {
        "application/json": {"schema": _inline(LoginRequest)},
        "application/x-www-form-urlencoded": {"schema": _inline(LoginForm)},
    },
}


async def _login_credentials(request: Request) -> tuple[str, str]:
    """(email, password) from a JSON body or from the OAuth2 password form, chosen by Content-Type."""
    media_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    try:
        if media_type in FORM_TYPES:
            async with request.form() as form:
                fields = LoginForm.model_validate(dict(form))
            return fields.username, fields.password
        body = LoginRequest.model_validate_json(await request.body())
        return body.email, body.password
    except ValidationError as exc:
        errors = [{**e, "loc": ("body", *e["loc"])} for e in exc.errors(include_url=False, include_context=False)]
        raise RequestValidationError(errors) from None


@router.post(
    "/register",
    status_code=status.HTTP_201_CREATED,
    summary="Register a customer account",
    description=_describe("none.", RegisterUser),
    responses=problems((409, "email_taken"), INVALID, THROTTLED, BUSY),
)
async def register(
    request: Request,
    body: RegisterRequest,
    register_user: Annotated[RegisterUser, Depends(provide(Container.register_user))],
) -> TokenPair:
    command = RegisterCommand(
        email=str(body.email), name=body.name, password=body.password, client=_client_address(request)
    )
    return TokenPair.of(await register_user(command))


@router.post(
    "/login",
    summary="Log in (JSON or the OAuth2 password form)",
    description=_describe(
        "none. Send JSON `{email, password}`, or the OAuth2 password form `username`/`password` "
        "(what Swagger's **Authorize** button does).",
        LogIn,
    ),
    openapi_extra={"requestBody": LOGIN_BODY},
    responses=problems((401, "invalid_credentials"), (403, "account_disabled"), INVALID, THROTTLED, BUSY),
)
async def login(request: Request, log_in: Annotated[LogIn, Depends(provide(Container.log_in))]) -> TokenPair:
    email, password = await _login_credentials(request)
    return TokenPair.of(await log_in(LogInCommand(email=email, password=password, client=_client_address(request))))


@router.post(
    "/refresh",
    summary="Exchange a refresh token for a new token pair",
    description=_describe("none (the refresh token is the credential).", RefreshSession),
    responses=problems(UNAUTHENTICATED, INVALID),
)
async def refresh(
    body: RefreshTokenRequest, refresh_session: Annotated[RefreshSession, Depends(provide(Container.refresh_session))]
) -> TokenPair:
    return TokenPair.of(await refresh_session(body.refresh_token))


@router.post(
    "/logout",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Log out: revoke the session of a refresh token",
    description=_describe("none (the refresh token is the credential).", LogOut),
    responses=problems(INVALID),
)
async def logout(
    body: RefreshTokenRequest, log_out: Annotated[LogOut, Depends(provide(Container.log_out))]
) -> Response:
    await log_out(body.refresh_token)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get(
    "/me",
    summary="My account",
    description=_describe("user (bearer access token).", GetMe),
    responses=problems(UNAUTHENTICATED),
)
async def get_me(claims: Claims, use_case: Annotated[GetMe, Depends(provide(Container.get_me))]) -> User:
    return User.of(await use_case(claims.user_id))


@router.patch(
    "/me",
    summary="Change my name, avatar or password",
    description=_describe("user (bearer access token).", UpdateMe),
    responses=problems(UNAUTHENTICATED, (401, "invalid_credentials"), INVALID, THROTTLED, BUSY),
)
async def update_me(
    request: Request,
    body: UpdateMeRequest,
    claims: Claims,
    use_case: Annotated[UpdateMe, Depends(provide(Container.update_me))],
) -> User:
    command = UpdateMeCommand(
        user_id=claims.user_id,
        name=body.name,
        avatar=body.avatar,
        change_avatar="avatar" in body.model_fields_set,
        password=body.password,
        current_password=body.current_password,
        client=_client_address(request),
    )
    return User.of(await use_case(command))
