"""Tickets (API.md §11): the verification keys, a booking's tickets, and each ticket's QR code."""

from __future__ import annotations

from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Depends
from fastapi.responses import Response

from lynriescoop.adapters.qr.codes import qr_png, qr_svg
from lynriescoop.application.tickets.queries import GetTicket, ListBookingTickets, ListTicketKeys
from lynriescoop.entrypoints.container import Container
from lynriescoop.entrypoints.http.dependencies import CurrentUser, provide
from lynriescoop.entrypoints.http.openapi_problems import problems
from lynriescoop.entrypoints.http.schemas.tickets import JwkSet, TicketList

router = APIRouter(tags=["tickets"])

AUTH = problems((401, "not_authenticated"))
QR_CACHE = "private, max-age=300"


@router.get(
    "/tickets/keys",
    response_model=JwkSet,
    summary="The public keys that verify ticket codes (JWK set). Auth: none.",
    description=(
        "Every Ed25519 key whose tickets are still valid: the current signing key first, then retired ones. "
        "A scanner saves this to verify codes offline (docs/tickets.md)."
    ),
)
async def ticket_keys(keys: Annotated[ListTicketKeys, Depends(provide(Container.list_ticket_keys))]) -> JwkSet:
    return JwkSet.of(keys())


@router.get(
    "/bookings/{booking_id}/tickets",
    response_model=TicketList,
    summary="A booking's tickets, one per seat. Auth: its owner or a manager.",
    description=ListBookingTickets.__doc__ or "",
    responses=AUTH | problems((404, "booking_not_found")),
)
async def booking_tickets(
    booking_id: UUID,
    user: CurrentUser,
    list_tickets: Annotated[ListBookingTickets, Depends(provide(Container.list_booking_tickets))],
) -> TicketList:
    return TicketList.of(await list_tickets(booking_id, user.id, as_manager=user.is_manager))


QR_RESPONSES = AUTH | problems((404, "ticket_not_found"))


def _image(media_type: str) -> dict[int | str, dict[str, Any]]:
    return {200: {"content": {media_type: {}}, "description": "the QR code of the ticket's code"}}


@router.get(
    "/tickets/{ticket_id}/qr.svg",
    summary="The ticket's QR code as SVG. Auth: the booking's owner or a manager.",
    responses=_image("image/svg+xml") | QR_RESPONSES,
    response_class=Response,
)
async def ticket_qr_svg(
    ticket_id: UUID, user: CurrentUser, get: Annotated[GetTicket, Depends(provide(Container.get_ticket))]
) -> Response:
    ticket = await get(ticket_id, user.id, as_manager=user.is_manager)
    return Response(qr_svg(ticket.code), media_type="image/svg+xml", headers={"Cache-Control": QR_CACHE})


@router.get(
    "/tickets/{ticket_id}/qr.png",
    summary="The ticket's QR code as PNG. Auth: the booking's owner or a manager.",
    responses=_image("image/png") | QR_RESPONSES,
    response_class=Response,
)
async def ticket_qr_png(
    ticket_id: UUID, user: CurrentUser, get: Annotated[GetTicket, Depends(provide(Container.get_ticket))]
) -> Response:
    ticket = await get(ticket_id, user.id, as_manager=user.is_manager)
    return Response(qr_png(ticket.code), media_type="image/png", headers={"Cache-Control": QR_CACHE})
