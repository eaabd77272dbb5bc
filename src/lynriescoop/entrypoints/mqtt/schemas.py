"""The ``booking/request`` payload (API.md §8)."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field

RequestId = Annotated[str, Field(pattern=r"^[A-Za-z0-9_-]{1,64}$")]
ACCESS_TOKEN_MAX_LENGTH = 4096


class BookingRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    request_id: RequestId
    access_token: str = Field(min_length=1, max_length=ACCESS_TOKEN_MAX_LENGTH)
    showing_id: UUID
    seat_ids: list[UUID] = Field(min_length=1, max_length=100)
    confirm: bool = False


class RequestIdOnly(BaseModel):
    """Just enough of a broken payload to know where to answer."""

    request_id: RequestId
