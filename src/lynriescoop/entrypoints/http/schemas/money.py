"""Amounts in the HTTP schemas (API.md §1): read as a decimal, written as a string with two places.

An answer's amounts are written by ``domain/formats.py::money``; times by pydantic from a ``datetime`` normalised
with ``domain/formats.py::utc``, exactly as ``rfc3339`` writes them.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated

from pydantic import Field

MoneyIn = Annotated[
    Decimal,
    Field(
        ge=0, lt=100000, decimal_places=2, allow_inf_nan=False, description="a string or a number", examples=["12.50"]
    ),
]
MoneyOut = Annotated[str, Field(pattern=r"^\d+\.\d{2}$", examples=["12.50"])]
