"""What changed in the catalogue, told to every process: the invalidation side of the read caches.

A unit of work that wrote to the catalogue (movies, rooms, seats, showings, bookings and their seat claims) says
so twice when it commits:

- in its own process, at once, after the commit (``ChangeFeed.publish``), so that process's next read sees it;
- to every other process through ``NOTIFY lynriescoop_changes`` sent inside the transaction, which PostgreSQL
  delivers only if and when it commits; each process ``LISTEN``s on its own connection
  (:class:`PostgresChangeListener`) and publishes what it hears to its feed, typically within a millisecond.

While the listener is not connected, the feed says it is not ``live`` and caches must not serve from memory (a
notification sent meanwhile is lost); each (re)connect resets every cache, as the feed cannot know what it missed.
"""

from __future__ import annotations

import logging
import os
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from uuid import UUID

from lynriescoop.adapters.postgres.listening import ListeningConnection

logger = logging.getLogger(__name__)

CHANGES_CHANNEL = "lynriescoop_changes"
# NOTIFY payloads are limited to 8000 bytes; past this many showing ids a change is sent as "everything".
_MAX_IDS_PER_NOTIFY = 150


@dataclass(frozen=True, slots=True)
class CatalogueChange:
    """What a committed transaction may have changed, as coarse as caches need it.

    ``showings``: the seat maps and pages of these showings (and every list of showings). ``all_showings``: every
    showing's page and seat map and every list (a write whose showings are not known). ``everything``: all of it,
    movies too (rooms and seats change seat maps, movies change showing pages).
    """

    showings: frozenset[UUID] = field(default_factory=frozenset)
    all_showings: bool = False
    everything: bool = False

    @property
    def empty(self) -> bool:
        return not (self.showings or self.all_showings or self.everything)

    def encode(self) -> str:
        """The NOTIFY payload: ``*``, or ``;``-separated parts: ``s`` (all showings) and showing ids."""
        if self.everything or len(self.showings) > _MAX_IDS_PER_NOTIFY:
            return "*"
        parts = ["s"] if self.all_showings else []
        return ";".join([*parts, *sorted(str(showing_id) for showing_id in self.showings)])

    @classmethod
    def decode(cls, payload: str) -> CatalogueChange:
        """Anything unreadable means "everything": a cache must never keep what it cannot prove current."""
        if payload == "*":
            return cls(everything=True)
        showings: set[UUID] = set()
        all_showings = False
        for part in filter(None, payload.split(";")):
            if part == "s":
                all_showings = True
            else:
                try:
                    showings.add(UUID(part))
                except ValueError:
                    return cls(everything=True)
        return cls(frozenset(showings), all_showings)


# Tables whose writes change what clients read, and how far the change reaches when the writer's events do not
# name the showings (see PostgresUnitOfWork).
EVERYTHING_TABLES = frozenset({"rooms", "seats", "movies"})
SHOWING_TABLES = frozenset({"showings", "bookings", "seat_reservations"})


class ChangeFeed:
    """The process's bulletin of catalogue changes: subscribers are called synchronously for each change."""

    def __init__(self) -> None:
        # A token of this process, so a process can tell its own notifications (already published) from others'.
        self.origin = f"{os.getpid()}-{uuid.uuid4().hex[:8]}"
        self._subscribers: list[Callable[[CatalogueChange], None]] = []
        self._live_checks: list[Callable[[], bool]] = []

    def subscribe(self, callback: Callable[[CatalogueChange], None]) -> None:
        self._subscribers.append(callback)

    def publish(self, change: CatalogueChange) -> None:
        if change.empty:
            return
        for callback in self._subscribers:
            callback(change)

    def add_live_check(self, check: Callable[[], bool]) -> None:
        self._live_checks.append(check)

    @property
    def live(self) -> bool:
        """True while every other process's changes reach this one (a listener is connected)."""
        return bool(self._live_checks) and all(check() for check in self._live_checks)


def notify_payload(feed: ChangeFeed, change: CatalogueChange) -> str:
    return f"{feed.origin}|{change.encode()}"


class PostgresChangeListener(ListeningConnection):
    """``LISTEN lynriescoop_changes`` on a dedicated connection, publishing what other processes changed to the
    feed; reconnects with back-off (0.2 s doubling to 5 s). A background service of the lifespan."""

    name = "change-listener"

    def __init__(
        self,
        dsn: str,
        feed: ChangeFeed,
        *,
        check_seconds: float = 15.0,
        backoff_initial: float = 0.2,
        backoff_max: float = 5.0,
    ) -> None:
        super().__init__(
            dsn, CHANGES_CHANNEL, check_seconds=check_seconds, backoff_initial=backoff_initial, backoff_max=backoff_max
        )
        self._feed = feed
        feed.add_live_check(lambda: self.listening)

    def notified(self, payload: str) -> None:
        origin, _, body = payload.partition("|")
        if origin == self._feed.origin:
            return  # this process published it after its own commit already
        self._feed.publish(CatalogueChange.decode(body))

    def connected(self) -> None:
        # Whatever changed while nobody listened is unknown: every cache starts again.
        self._feed.publish(CatalogueChange(everything=True))

    def disconnected(self) -> None:
        self._feed.publish(CatalogueChange(everything=True))


def change_of_writes(tables: Iterable[str], showing_ids: Iterable[UUID]) -> CatalogueChange:
    """What a transaction changed: the showings its events name (an event about a showing means it changed), or,
    from the tables it wrote to through SQLAlchemy, every showing or everything."""
    written = set(tables)
    if written & EVERYTHING_TABLES:
        return CatalogueChange(everything=True)
    named = frozenset(showing_ids)
    if named:
        return CatalogueChange(showings=named)
    if written & SHOWING_TABLES:
        return CatalogueChange(all_showings=True)
    return CatalogueChange()
