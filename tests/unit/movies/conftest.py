"""Movie use cases on the in-memory adapters, with a hand-moved clock and a scripted movie source."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from uuid import UUID, uuid4

import pytest

from lynriescoop.adapters.memory.store import MemoryStore
from lynriescoop.adapters.memory.unit_of_work import MemoryUnitOfWork
from lynriescoop.application.delivery.routing import route_event
from lynriescoop.application.ports.movie_source import SourceMovieDetails, SourceSearchPage
from lynriescoop.application.ports.unit_of_work import UnitOfWork
from lynriescoop.domain.errors import TmdbMovieNotFound
from lynriescoop.domain.movies import Movie
from lynriescoop.domain.showings import Showing, ShowingStatus
from tests.factories import MutableClock

T0 = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)


@dataclass
class ScriptedMovieSource:
    """The MovieSource port with answers set by the test; ``before_details`` runs inside ``details``."""

    movies: dict[int, SourceMovieDetails] = field(default_factory=dict)
    search_page: SourceSearchPage = field(default_factory=lambda: SourceSearchPage([], 1, 0, 0))
    failure: Exception | None = None
    before_details: Callable[[], Awaitable[None]] | None = None
    detail_calls: list[int] = field(default_factory=list)
    searches: list[tuple[str, int]] = field(default_factory=list)

    async def search(self, query: str, page: int) -> SourceSearchPage:
        self.searches.append((query, page))
        if self.failure:
            raise self.failure
        return self.search_page

    async def details(self, tmdb_id: int) -> SourceMovieDetails:
        self.detail_calls.append(tmdb_id)
        if self.failure:
            raise self.failure
        if self.before_details is not None:
            await self.before_details()
        if tmdb_id not in self.movies:
            raise TmdbMovieNotFound()
        return self.movies[tmdb_id]


@dataclass
class Catalogue:
    store: MemoryStore
    clock: MutableClock
    source: ScriptedMovieSource

    def uow(self) -> UnitOfWork:
        return MemoryUnitOfWork(self.store, route_event)

    def movie(self, title: str = "Arrival", **fields: object) -> Movie:
        values: dict[str, object] = {"runtime": 116, "created_at": self.clock.now(), "updated_at": self.clock.now()}
        values.update(fields)
        created = Movie(title=title, **values)  # type: ignore[arg-type]
        self.store.state.movies[created.id] = created
        return created

    def showing(
        self,
        movie_id: UUID,
        *,
        starts_in: timedelta = timedelta(days=1),
        status: ShowingStatus = ShowingStatus.SCHEDULED,
    ) -> Showing:
        start = self.clock.now() + starts_in
        created = Showing(
            movie_id=movie_id,
            room_id=uuid4(),
            start_time=start,
            end_time=start + timedelta(hours=2),
            price=Decimal("10.00"),
            created_at=self.clock.now(),
            updated_at=self.clock.now(),
            status=status,
        )
        self.store.state.showings[created.id] = created
        return created


@pytest.fixture
def catalogue() -> Catalogue:
    return Catalogue(store=MemoryStore(), clock=MutableClock(T0), source=ScriptedMovieSource())
