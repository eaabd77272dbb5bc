"""Repository ports. Each adapter (postgres/, memory/) implements all of them; tests/contract keeps them equal."""

from __future__ import annotations

import enum
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Generic, Protocol, TypeVar
from uuid import UUID

from lynriescoop.domain.movies import Movie
from lynriescoop.domain.users import RefreshToken, Role, User

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Page(Generic[T]):
    """One page of a list, with the total count of matching items."""

    items: Sequence[T]
    total: int
    limit: int
    offset: int


@dataclass(frozen=True, slots=True)
class UserFilter:
    q: str | None = None
    role: Role | None = None
    is_active: bool | None = None


class UserRepository(Protocol):
    async def add(self, user: User) -> None:
        """Insert a new user; raises EmailTaken when the email exists (case-insensitively)."""
        ...

    async def get(self, user_id: UUID, *, for_update: bool = False) -> User | None:
        """The user; with ``for_update`` its row stays locked until the transaction ends, so a use case that reads
        and then writes the user cannot overwrite a concurrent change (a deactivation, a demotion, a new password)
        with what it read, and revoking the user's tokens waits for it."""
        ...

    async def get_by_email(self, email: str) -> User | None:
        """Look a user up by a normalised (lower-case) email."""
        ...

    async def update(self, user: User) -> None: ...

    async def list(self, filters: UserFilter, limit: int, offset: int) -> Page[User]:
        """Users ordered by ``created_at``, then id."""
        ...

    async def count_active_managers(self) -> int: ...

    async def lock_managers(self) -> None:
        """Serialise role changes that could leave no active manager (a no-op where there is one writer)."""
        ...


class RefreshTokenRepository(Protocol):
    async def add(self, token: RefreshToken) -> None: ...

    async def get_by_hash(self, token_hash: str, *, for_update: bool = True) -> RefreshToken | None:
        """The token with this hash; by default its row locked until the transaction ends (concurrent rotations
        serialise). Lock order: a use case that also locks the user locks the user first (read the token with
        ``for_update=False``, lock the user, read the token again), like ``revoke_all_for_user`` does."""
        ...

    async def update(self, token: RefreshToken) -> None:
        """Store ``rotated_at`` and ``revoked_at``."""
        ...

    async def revoke_family(self, family_id: UUID, now: datetime) -> int:
        """Revoke every live token of one rotation family (one session); returns how many."""
        ...

    async def revoke_all_for_user(self, user_id: UUID, now: datetime) -> int:
        """Revoke every live token of the user (every session); returns how many.

        Takes the user's row lock first: a rotation of one of the user's tokens holds that lock while it issues
        the new token, so either the rotation commits first and its new token is revoked here, or it waits and
        then finds its token revoked."""
        ...

    async def purge(self, before: datetime) -> int:
        """Delete tokens that expired or were revoked before ``before``; returns how many."""
        ...


@dataclass(frozen=True, slots=True)
class AttemptWindow:
    """Failed logins of one key since a moment: how many, and when the oldest of them happened."""

    count: int
    oldest: datetime | None


class LoginAttemptRepository(Protocol):
    """Counted attempts by key (``email:...``, ``client:...`` for logins and password checks, ``register:...`` for
    registrations), shared by every process through the database."""

    async def lock(self, keys: Sequence[str]) -> None:
        """Serialise, until the transaction ends, every transaction that locks one of ``keys`` (a no-op where there
        is one writer), so counting and recording an attempt is atomic across processes."""
        ...

    async def add(self, key: str, attempted_at: datetime) -> int:
        """Record one attempt; returns its id."""
        ...

    async def remove(self, ids: Sequence[int]) -> None:
        """Forget the attempts with these ids (an attempt that turned out not to be a failure)."""
        ...

    async def window(self, key: str, since: datetime) -> AttemptWindow:
        """The failures of ``key`` after ``since`` (one exactly at ``since`` has left the window)."""
        ...

    async def clear(self, key: str) -> None:
        """Forget every failure of ``key``."""
        ...

    async def prune(self, before: datetime) -> int:
        """Delete attempts of every key older than ``before``; returns how many."""
        ...


class MovieSort(enum.StrEnum):
    """Orders of the movie list; ties are broken by id, and movies without a release date come last."""

    TITLE = "title"
    RELEASE_DATE = "release_date"
    RELEASE_DATE_DESC = "-release_date"


@dataclass(frozen=True, slots=True)
class MovieFilter:
    q: str | None = None
    """A case-insensitive substring of the title (LIKE wildcards in it match literally)."""
    genre: str | None = None
    """One genre name, compared case-insensitively."""
    sort: MovieSort = MovieSort.TITLE


class MovieRepository(Protocol):
    async def add(self, movie: Movie) -> None:
        """Insert a new movie; raises TmdbIdTaken when another movie has its ``tmdb_id``."""
        ...

    async def get(self, movie_id: UUID) -> Movie | None: ...

    async def get_by_tmdb_id(self, tmdb_id: int) -> Movie | None: ...

    async def existing_tmdb_ids(self, tmdb_ids: Sequence[int]) -> set[int]:
        """Which of ``tmdb_ids`` are already in the catalogue."""
        ...

    async def update(self, movie: Movie) -> None:
        """Store every field; raises TmdbIdTaken when another movie has its ``tmdb_id``."""
        ...

    async def delete(self, movie_id: UUID) -> None:
        """Delete the movie together with its cancelled showings.

        Raises MovieHasShowings when one of its showings is not cancelled or has (or had) a booking.
        """
        ...

    async def list(self, filters: MovieFilter, limit: int, offset: int) -> Page[Movie]:
        """Movies matching ``filters`` in ``filters.sort`` order: ``title`` compares lower-cased titles code point
        by code point; release dates put movies without one last in both directions; ties go by id."""
        ...

    async def now_playing(self, now: datetime, limit: int, offset: int) -> Page[Movie]:
        """Movies with at least one showing of status ``scheduled`` starting after ``now``, the one with the
        earliest such start first (then by id)."""
        ...

    async def has_active_showings(self, movie_id: UUID) -> bool:
        """True while any showing of the movie has a status other than ``cancelled``."""
        ...
