"""The rooms-and-showings part of ``lynriescoop seed``: three demo rooms and a week of showings."""

from __future__ import annotations

from collections.abc import Sequence
from uuid import UUID

from lynriescoop.application.catalogue.seed_schedule import SeedScheduleCommand
from lynriescoop.entrypoints.container import Container


async def seed_schedule(container: Container, movie_ids: Sequence[UUID]) -> list[str]:
    """Create the demo rooms that are missing and the week's showings of ``movie_ids`` that are missing."""
    result = await container.seed_schedule()(SeedScheduleCommand(movie_ids=tuple(movie_ids)))
    return [
        f"rooms: {result.rooms} demo rooms ({result.rooms_created} new)",
        f"showings: {result.showings_created} new showings over {result.days} days from today",
    ]
