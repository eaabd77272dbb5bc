"""Translate database errors at the adapter border into the domain errors they mean."""

from __future__ import annotations

from collections.abc import Mapping

from sqlalchemy.exc import IntegrityError

from lynriescoop.domain.errors import DomainError

OUTBOX_CHANNEL = "lynriescoop_outbox"


def constraint_name(exc: IntegrityError) -> str | None:
    """The name of the violated constraint, as asyncpg reports it."""
    orig = getattr(exc, "orig", None)
    cause = getattr(orig, "__cause__", None)
    for candidate in (orig, cause):
        name = getattr(candidate, "constraint_name", None)
        if isinstance(name, str):
            return name
    return None


def translate_integrity_error(exc: IntegrityError, known: Mapping[str, type[DomainError]]) -> DomainError | None:
    """The domain error for a known constraint, else None (the caller re-raises the original)."""
    name = constraint_name(exc)
    if name is not None and name in known:
        return known[name]()
    return None
