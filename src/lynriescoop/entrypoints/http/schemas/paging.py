"""Paging: the ``limit``/``offset`` query and the ``{items, total, limit, offset}`` envelope of API.md §1."""

from __future__ import annotations

from typing import Annotated, Generic, TypeVar

from fastapi import Query
from pydantic import BaseModel

T = TypeVar("T")

Limit = Annotated[int, Query(ge=1, le=100, description="Page size, 1..100.")]
Offset = Annotated[int, Query(ge=0, le=1_000_000, description="Items to skip.")]


class PageOut(BaseModel, Generic[T]):
    items: list[T]
    total: int
    limit: int
    offset: int
