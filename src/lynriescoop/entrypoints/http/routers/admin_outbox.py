"""The outbox for managers (API.md §7, the outbox rows): see what left or waits, and queue a row again."""

from __future__ import annotations

import inspect
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query

from lynriescoop.application.delivery.list_outbox import ListOutbox, ListOutboxQuery
from lynriescoop.application.delivery.retry_outbox_entry import RetryOutboxEntry, RetryOutboxEntryCommand
from lynriescoop.application.ports.delivery import OutboxChannel, OutboxStatus
from lynriescoop.entrypoints.container import Container
from lynriescoop.entrypoints.http.dependencies import CurrentManager, provide
from lynriescoop.entrypoints.http.openapi_problems import problems
from lynriescoop.entrypoints.http.schemas.admin_outbox import OutboxEntry, OutboxPage

router = APIRouter(prefix="/admin/outbox", tags=["admin"])

MANAGER_ONLY = ((401, "not_authenticated"), (403, "forbidden"), (422, "validation_error"))
BIGINT_MAX = 2**63 - 1


def _describe(use_case: type) -> str:
    return f"**Auth:** manager.\n\n{inspect.cleandoc(use_case.__doc__ or '')}"


@router.get("", summary="List outbox rows", description=_describe(ListOutbox), responses=problems(*MANAGER_ONLY))
async def list_outbox(
    _: CurrentManager,
    use_case: Annotated[ListOutbox, Depends(provide(Container.list_outbox))],
    status: OutboxStatus | None = None,
    channel: OutboxChannel | None = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> OutboxPage:
    return OutboxPage.of(await use_case(ListOutboxQuery(status, channel, limit, offset)))


@router.post(
    "/{entry_id}/retry",
    summary="Queue an outbox row again",
    description=_describe(RetryOutboxEntry),
    responses=problems(*MANAGER_ONLY, (404, "outbox_entry_not_found")),
)
async def retry_outbox_entry(
    entry_id: Annotated[int, Path(ge=1, le=BIGINT_MAX, description="The row's integer id.")],
    _: CurrentManager,
    use_case: Annotated[RetryOutboxEntry, Depends(provide(Container.retry_outbox_entry))],
) -> OutboxEntry:
    return OutboxEntry.of(await use_case(RetryOutboxEntryCommand(entry_id)))
