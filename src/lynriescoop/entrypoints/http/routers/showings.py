"""Showings and seat maps (API.md §5)."""

from __future__ import annotations

import inspect
from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Depends, Query, Request, Response, status

from lynriescoop.application.catalogue.showings.cancel_showing import CancelShowing, CancelShowingCommand
from lynriescoop.application.catalogue.showings.delete_showing import DeleteShowing, DeleteShowingCommand
from lynriescoop.application.catalogue.showings.get_seat_map import GetSeatMap, GetSeatMapQuery
from lynriescoop.application.catalogue.showings.get_showing import GetShowing, GetShowingQuery
from lynriescoop.application.catalogue.showings.list_showings import ListShowings, ListShowingsQuery
from lynriescoop.application.catalogue.showings.schedule_showing import ScheduleShowing
from lynriescoop.application.catalogue.showings.update_showing import UpdateShowing
from lynriescoop.application.ports.read_models import ShowingView
from lynriescoop.domain.showings import ShowingStatus
from lynriescoop.entrypoints.container import Container
from lynriescoop.entrypoints.http.dependencies import CurrentManager, container_of, provide, resolve
from lynriescoop.entrypoints.http.openapi_problems import problems
from lynriescoop.entrypoints.http.response_cache import LIST_MAX_AGE, Rendered, ResponseCache
from lynriescoop.entrypoints.http.schemas.showings import (
    SeatMapOut,
    ShowingCreate,
    ShowingOut,
    ShowingPage,
    ShowingsQuery,
    ShowingUpdate,
)

router = APIRouter(prefix="/showings", tags=["showings"])

PUBLIC = "**Auth:** none (public)."
MANAGER = "**Auth:** manager (role and active flag checked in the database)."
MANAGER_ERRORS = ((401, "not_authenticated"), (403, "forbidden"), (422, "validation_error"))
NOT_FOUND = (404, "showing_not_found")


def _describe(auth: str, use_case: type) -> str:
    return f"{auth}\n\n{inspect.cleandoc(use_case.__doc__ or '')}"


class Present:
    """Turns showing views into responses: ``currency`` and poster URLs come from the settings."""

    def __init__(self, request: Request) -> None:
        settings = container_of(request).settings()
        self.currency: str = settings.currency
        self.images: str = settings.tmdb_image_base_url

    def __call__(self, view: ShowingView) -> ShowingOut:
        return ShowingOut.of(view, self.currency, self.images)


async def presenter(request: Request) -> Present:
    """``async`` so FastAPI does not run it in its thread pool (``Depends(Present)`` on the class would)."""
    return Present(request)


Presenter = Annotated[Present, Depends(presenter)]

CACHED = (
    "\n\nAnswered from the response cache when nothing changed: strong `ETag`, `Cache-Control: no-cache`; "
    "`If-None-Match` with the current ETag gets 304. Changes show at once in the process that made them and within "
    "100 ms in every other one."
)


def response_cache(request: Request) -> ResponseCache:
    return resolve(request, Container.response_cache)


@router.get(
    "",
    response_model=ShowingPage,
    summary="List showings, by start time",
    description=_describe(PUBLIC, ListShowings) + CACHED,
    responses=problems((422, "validation_error")),
)
async def list_showings(query: Annotated[ShowingsQuery, Query()], request: Request) -> Response:
    list_query = ListShowingsQuery(
        movie_id=query.movie_id,
        room_id=query.room_id,
        day=query.day,
        starts_from=query.starts_from,
        starts_before=query.starts_before,
        status=query.status,
        include_past=query.include_past,
        limit=query.limit,
        offset=query.offset,
    )

    async def build() -> Rendered:
        page = await resolve(request, Container.list_showings)(list_query)
        present = Present(request)
        body = ShowingPage.of(page, present.currency, present.images).model_dump_json().encode()
        return Rendered(body, min(filter(None, (view.changes_at for view in page.items)), default=None))

    # The first page of upcoming scheduled showings changes by time only when one of its own showings starts (the
    # earliest showing that matches is its first item): its items say when. Any other page or filter may change
    # when a showing elsewhere starts or ends, so it holds at most LIST_MAX_AGE.
    exact = query.offset == 0 and query.status is ShowingStatus.SCHEDULED and not query.include_past
    cache = response_cache(request)
    return await cache.respond(
        request, ("showings", list_query), cache.showing_list_deps, build, max_age=None if exact else LIST_MAX_AGE
    )


@router.get(
    "/{showing_id}",
    response_model=ShowingOut,
    summary="One showing",
    description=_describe(PUBLIC, GetShowing) + CACHED,
    responses=problems(NOT_FOUND, (422, "validation_error")),
)
async def get_showing(showing_id: UUID, request: Request) -> Response:
    async def build() -> Rendered:
        view = await resolve(request, Container.get_showing)(GetShowingQuery(showing_id))
        return Rendered(Present(request)(view).model_dump_json().encode(), view.changes_at)

    cache = response_cache(request)
    return await cache.respond(request, ("showing", showing_id), lambda: cache.showing_deps(showing_id), build)


@router.get(
    "/{showing_id}/seats",
    response_model=SeatMapOut,
    summary="The seat map of a showing",
    description=_describe(PUBLIC, GetSeatMap) + CACHED,
    responses=problems(NOT_FOUND, (422, "validation_error")),
)
async def get_seat_map(showing_id: UUID, request: Request) -> Response:
    async def build() -> Rendered:
        seat_map = await resolve(request, Container.get_seat_map)(GetSeatMapQuery(showing_id))
        return Rendered(seat_map.document, seat_map.changes_at)

    cache = response_cache(request)
    return await cache.respond(request, ("seats", showing_id), lambda: cache.showing_deps(showing_id), build)


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    summary="Schedule a showing",
    description=_describe(MANAGER, ScheduleShowing),
    responses=problems(
        *MANAGER_ERRORS,
        (404, "movie_not_found"),
        (404, "room_not_found"),
        (409, "showing_overlap"),
        (422, "room_lacks_feature"),
        (422, "invalid_schedule"),
        (422, "invalid_price"),
    ),
)
async def schedule_showing(
    body: ShowingCreate,
    _: CurrentManager,
    present: Presenter,
    use_case: Annotated[ScheduleShowing, Depends(provide(Container.schedule_showing))],
) -> ShowingOut:
    return present(await use_case(body.command()))


@router.patch(
    "/{showing_id}",
    summary="Change a showing's times, prices, formats or room",
    description=_describe(MANAGER, UpdateShowing),
    responses=problems(
        *MANAGER_ERRORS,
        NOT_FOUND,
        (404, "room_not_found"),
        (409, "showing_overlap"),
        (409, "showing_has_bookings"),
        (422, "room_lacks_feature"),
        (422, "invalid_schedule"),
        (422, "invalid_price"),
    ),
)
async def update_showing(
    showing_id: UUID,
    body: ShowingUpdate,
    _: CurrentManager,
    present: Presenter,
    use_case: Annotated[UpdateShowing, Depends(provide(Container.update_showing))],
) -> ShowingOut:
    return present(await use_case(body.command(showing_id)))


@router.post(
    "/{showing_id}/cancel",
    summary="Cancel a showing and its bookings",
    description=_describe(MANAGER, CancelShowing),
    responses=problems(*MANAGER_ERRORS, NOT_FOUND, (422, "invalid_schedule")),
)
async def cancel_showing(
    showing_id: UUID,
    _: CurrentManager,
    present: Presenter,
    use_case: Annotated[CancelShowing, Depends(provide(Container.cancel_showing))],
) -> ShowingOut:
    return present(await use_case(CancelShowingCommand(showing_id)))


@router.delete(
    "/{showing_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    response_class=Response,
    summary="Delete a showing that never had a booking",
    description=_describe(MANAGER, DeleteShowing),
    responses=problems(*MANAGER_ERRORS, NOT_FOUND, (409, "showing_has_bookings")),
)
async def delete_showing(
    showing_id: UUID, _: CurrentManager, use_case: Annotated[DeleteShowing, Depends(provide(Container.delete_showing))]
) -> Response:
    await use_case(DeleteShowingCommand(showing_id))
    return Response(status_code=status.HTTP_204_NO_CONTENT)
