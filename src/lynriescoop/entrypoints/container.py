"""The one place that wires everything: settings -> resources -> factories -> use cases."""

from __future__ import annotations

from dependency_injector import containers, providers

from lynriescoop.adapters.postgres.engine import make_engine, make_session_factory
from lynriescoop.adapters.postgres.unit_of_work import PostgresUnitOfWork
from lynriescoop.adapters.security.argon2_hasher import Argon2PasswordHasher
from lynriescoop.adapters.security.jwt_tokens import JwtTokenService
from lynriescoop.application.outbox_routing import route_event
from lynriescoop.application.ports.clock import SystemClock
from lynriescoop.entrypoints.secrets import jwt_secret
from lynriescoop.settings import Settings


class Container(containers.DeclarativeContainer):
    settings = providers.Dependency(instance_of=Settings)

    clock = providers.Singleton(SystemClock)

    engine = providers.Singleton(
        make_engine,
        url=settings.provided.database_url,
        pool_size=settings.provided.db_pool_size,
        timeout_s=settings.provided.db_timeout_seconds,
    )
    session_factory = providers.Singleton(make_session_factory, engine)
    event_router = providers.Object(route_event)

    uow = providers.Factory(PostgresUnitOfWork, session_factory=session_factory, router=event_router)

    password_hasher = providers.Singleton(Argon2PasswordHasher)
    token_service = providers.Singleton(
        JwtTokenService,
        secret=providers.Callable(jwt_secret, settings),
        issuer=settings.provided.jwt_issuer,
        access_minutes=settings.provided.access_token_minutes,
        algorithm=settings.provided.jwt_algorithm,
    )

    # Long-running tasks of the lifespan (sweeper, outbox relay, MQTT consumer), in start order.
    background_services = providers.List()

    # Readiness probes besides the database: name -> callable answering "ok" / "down" (or a mode).
    health_probes = providers.Dict()


def build_container(settings: Settings) -> Container:
    container = Container(settings=settings)
    return container
