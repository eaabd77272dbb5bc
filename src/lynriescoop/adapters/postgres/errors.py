"""Translate database errors at the adapter border into the domain errors they mean.

Everything the driver or the pool can raise stops here: a violated constraint becomes the rule it guards
(:func:`translate_integrity_error`), an outage becomes ``DatabaseUnavailable`` and a value the database refuses
becomes ``ValueRefused`` (:func:`translate_database_error`, applied by the unit of work and by
:func:`database_errors` around the readers that use the engine directly). So every entrypoint, HTTP and MQTT
alike, sees the same domain errors and answers alike; none of them knows asyncpg's class names.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager

from sqlalchemy.exc import DBAPIError, IntegrityError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout

from lynriescoop.domain.errors import DatabaseUnavailable, DomainError, ValueRefused

logger = logging.getLogger(__name__)


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


# InternalClientError: asyncpg's protocol state breaks when the server drops a connection in the middle of an
# operation (seen as "cannot switch to state 15" in the pool's pre-ping while the server shuts down); SQLAlchemy
# passes it on raw.
OUTAGE_ERRORS = frozenset(
    {"CannotConnectNowError", "ConnectionDoesNotExistError", "TooManyConnectionsError", "InternalClientError"}
)
# SQLSTATE class 08 (connection exception) and 57P01..57P03 (admin shutdown, crash shutdown, cannot connect now);
# 55P03 (lock_timeout: a lock queue longer than ``lock_timeout``) and 57014 (statement cancelled) are overload.
OUTAGE_SQLSTATES = ("08", "57P01", "57P02", "57P03", "55P03", "57014")


def is_database_outage(exc: BaseException) -> bool:
    """Connection-level failures: the database is down, unreachable or overloaded, not a bug in a statement."""
    if isinstance(exc, OperationalError | InterfaceError):
        return True
    if isinstance(exc, DBAPIError) and exc.connection_invalidated:
        return True
    if isinstance(exc, ConnectionError | TimeoutError | OSError | PoolTimeout):
        # PoolTimeout: every pooled connection stayed busy for DB_POOL_TIMEOUT_SECONDS (overload, not a bug).
        return True
    # The driver's own exceptions, wrapped by SQLAlchemy (``orig``) or raw: asyncpg errors raised while a pooled
    # connection is being opened reach us unwrapped (e.g. CannotConnectNowError while the server shuts down).
    orig = getattr(exc, "orig", None)
    for candidate in (exc, orig, getattr(orig, "__cause__", None)):
        if candidate is None:
            continue
        if type(candidate).__name__ in OUTAGE_ERRORS:
            return True
        sqlstate = getattr(candidate, "sqlstate", None)
        if isinstance(sqlstate, str) and sqlstate.startswith(OUTAGE_SQLSTATES):
            return True
    return False


# SQLSTATE class 22 ("data exception"): a value from the request the database refuses to hold, such as a NUL
# character in text (22021), or a number or date out of the column's range (22003, 22008).
DATA_EXCEPTION_CLASS = "22"


def refused_value(exc: BaseException) -> str | None:
    """The SQLSTATE when the database refused a value of the request (a client error), else None."""
    if not isinstance(exc, DBAPIError) or isinstance(exc, OperationalError | InterfaceError):
        return None
    sqlstate = getattr(exc.orig, "sqlstate", None)
    if isinstance(sqlstate, str) and sqlstate.startswith(DATA_EXCEPTION_CLASS):
        return sqlstate
    return None


def translate_database_error(exc: BaseException) -> DomainError | None:
    """The domain error a failure of the database means (``ValueRefused``, ``DatabaseUnavailable``), or None for
    anything else: a bug, which the caller re-raises as it is."""
    if isinstance(exc, DomainError):
        return None
    sqlstate = refused_value(exc)
    if sqlstate is not None:
        logger.warning("value refused by the database: SQLSTATE %s", sqlstate)
        return ValueRefused()
    if is_database_outage(exc):
        logger.warning("database unavailable: %s", type(exc).__name__)
        return DatabaseUnavailable()
    return None


@asynccontextmanager
async def database_errors() -> AsyncIterator[None]:
    """Raises the domain error a database failure inside the block means (see :func:`translate_database_error`);
    any other exception passes unchanged."""
    try:
        yield
    except Exception as exc:
        translated = translate_database_error(exc)
        if translated is None:
            raise
        raise translated from exc
