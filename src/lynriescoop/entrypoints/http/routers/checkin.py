"""Check-in at the door (API.md §11): one scan, or a batch from a scanner that was offline."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends

from lynriescoop.application.tickets.check_in import CheckIn, CheckInBatch, CheckInCommand, Scan
from lynriescoop.entrypoints.container import Container
from lynriescoop.entrypoints.http.dependencies import CurrentDoorStaff, provide
from lynriescoop.entrypoints.http.openapi_problems import problems
from lynriescoop.entrypoints.http.schemas.tickets import (
    BatchCheckInOut,
    BatchCheckInRequest,
    CheckInOut,
    CheckInRequest,
)

router = APIRouter(prefix="/checkin", tags=["check-in"])

STAFF = problems((401, "not_authenticated"), (403, "forbidden"))


@router.post(
    "",
    response_model=CheckInOut,
    summary="Admit a ticket's holder (scan its code). Auth: staff or manager.",
    description=CheckIn.__doc__ or "",
    responses=STAFF
    | problems(
        (409, "already_checked_in"),
        (409, "ticket_revoked"),
        (422, "invalid_ticket"),
        (422, "wrong_showing"),
        (422, "checkin_closed"),
        (422, "validation_error"),
    ),
)
async def check_in(
    body: CheckInRequest, _: CurrentDoorStaff, use_case: Annotated[CheckIn, Depends(provide(Container.check_in))]
) -> CheckInOut:
    return CheckInOut.of(await use_case(CheckInCommand(body.code, body.showing_id)))


@router.post(
    "/batch",
    response_model=BatchCheckInOut,
    response_model_exclude_unset=True,
    summary="Check in the scans of a scanner that was offline (1..500). Auth: staff or manager.",
    description=(CheckInBatch.__doc__ or "")
    + "\n\nEach result carries `ok` and either the `ticket` or an `error` `{code, detail}` with the codes of "
    "POST /checkin (`already_checked_in` adds `checked_in_at`).",
    responses=STAFF | problems((422, "validation_error")),
)
async def check_in_batch(
    body: BatchCheckInRequest,
    _: CurrentDoorStaff,
    use_case: Annotated[CheckInBatch, Depends(provide(Container.check_in_batch))],
) -> BatchCheckInOut:
    return BatchCheckInOut.of(await use_case([Scan(scan.code, scan.scanned_at) for scan in body.scans]))
