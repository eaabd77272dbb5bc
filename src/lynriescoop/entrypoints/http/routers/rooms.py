"""Rooms and seats (API.md §4)."""

from __future__ import annotations

import inspect
from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Depends, Response, status

from lynriescoop.application.catalogue.rooms.create_room import CreateRoom
from lynriescoop.application.catalogue.rooms.delete_room import DeleteRoom, DeleteRoomCommand
from lynriescoop.application.catalogue.rooms.get_room import GetRoom, GetRoomQuery
from lynriescoop.application.catalogue.rooms.list_rooms import ListRooms, ListRoomsQuery
from lynriescoop.application.catalogue.rooms.update_room import UpdateRoom, UpdateRoomCommand
from lynriescoop.application.catalogue.rooms.update_seat import UpdateSeat, UpdateSeatCommand
from lynriescoop.entrypoints.container import Container
from lynriescoop.entrypoints.http.dependencies import CurrentManager, provide
from lynriescoop.entrypoints.http.openapi_problems import problems
from lynriescoop.entrypoints.http.schemas.paging import Limit, Offset
from lynriescoop.entrypoints.http.schemas.rooms import RoomCreate, RoomOut, RoomPage, RoomUpdate, SeatOut, SeatUpdate

router = APIRouter(prefix="/rooms", tags=["rooms"])

PUBLIC = "**Auth:** none (public)."
MANAGER = "**Auth:** manager (role and active flag checked in the database)."
MANAGER_ERRORS = ((401, "not_authenticated"), (403, "forbidden"), (422, "validation_error"))


def _describe(auth: str, use_case: type) -> str:
    return f"{auth}\n\n{inspect.cleandoc(use_case.__doc__ or '')}"


@router.get(
    "", summary="List rooms", description=_describe(PUBLIC, ListRooms), responses=problems((422, "validation_error"))
)
async def list_rooms(
    use_case: Annotated[ListRooms, Depends(provide(Container.list_rooms))], limit: Limit = 20, offset: Offset = 0
) -> RoomPage:
    return RoomPage.of(await use_case(ListRoomsQuery(limit=limit, offset=offset)))


@router.get(
    "/{room_id}",
    summary="A room with its seat layout",
    description=_describe(PUBLIC, GetRoom),
    responses=problems((404, "room_not_found"), (422, "validation_error")),
)
async def get_room(room_id: UUID, use_case: Annotated[GetRoom, Depends(provide(Container.get_room))]) -> RoomOut:
    return RoomOut.of_room(await use_case(GetRoomQuery(room_id)))


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    summary="Create a room from its rows",
    description=_describe(MANAGER, CreateRoom),
    responses=problems(*MANAGER_ERRORS, (409, "room_name_taken"), (422, "invalid_room_layout")),
)
async def create_room(
    body: RoomCreate, _: CurrentManager, use_case: Annotated[CreateRoom, Depends(provide(Container.create_room))]
) -> RoomOut:
    return RoomOut.of_room(await use_case(body.command()))


@router.patch(
    "/{room_id}",
    summary="Rename a room or change its features",
    description=_describe(MANAGER, UpdateRoom),
    responses=problems(*MANAGER_ERRORS, (404, "room_not_found"), (409, "room_name_taken"), (409, "room_has_showings")),
)
async def update_room(
    room_id: UUID,
    body: RoomUpdate,
    _: CurrentManager,
    use_case: Annotated[UpdateRoom, Depends(provide(Container.update_room))],
) -> RoomOut:
    command = UpdateRoomCommand(room_id, body.name, body.has_3d, body.has_imax, body.has_dolby)
    return RoomOut.of_room(await use_case(command))


@router.patch(
    "/{room_id}/seats/{seat_id}",
    summary="Block, unblock or re-categorise a seat",
    description=_describe(MANAGER, UpdateSeat),
    responses=problems(*MANAGER_ERRORS, (404, "room_not_found"), (404, "seat_not_found"), (422, "invalid_room_layout")),
)
async def update_seat(
    room_id: UUID,
    seat_id: UUID,
    body: SeatUpdate,
    _: CurrentManager,
    use_case: Annotated[UpdateSeat, Depends(provide(Container.update_seat))],
) -> SeatOut:
    return SeatOut.of(await use_case(UpdateSeatCommand(room_id, seat_id, body.is_active, body.category)))


@router.delete(
    "/{room_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    response_class=Response,
    summary="Delete a room without showings",
    description=_describe(MANAGER, DeleteRoom),
    responses=problems(*MANAGER_ERRORS, (404, "room_not_found"), (409, "room_has_showings")),
)
async def delete_room(
    room_id: UUID, _: CurrentManager, use_case: Annotated[DeleteRoom, Depends(provide(Container.delete_room))]
) -> Response:
    await use_case(DeleteRoomCommand(room_id))
    return Response(status_code=status.HTTP_204_NO_CONTENT)
