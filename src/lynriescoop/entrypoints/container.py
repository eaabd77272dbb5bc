"""The one place that wires everything: settings -> resources -> factories -> use cases."""

from __future__ import annotations

import asyncio
import functools

from dependency_injector import containers, providers

from lynriescoop.adapters.postgres.change_feed import ChangeFeed, PostgresChangeListener
from lynriescoop.adapters.postgres.engine import make_engine, make_session_factory
from lynriescoop.adapters.postgres.listening import asyncpg_dsn
from lynriescoop.adapters.postgres.stats import PostgresStatsReader
from lynriescoop.adapters.postgres.unit_of_work import PostgresUnitOfWork
from lynriescoop.adapters.security.argon2_hasher import Argon2PasswordHasher
from lynriescoop.adapters.security.ed25519_tickets import Ed25519TicketSigner
from lynriescoop.adapters.security.jwt_tokens import JwtTokenService
from lynriescoop.adapters.tmdb.http import HttpClientCloser
from lynriescoop.application.accounts.ensure_manager import EnsureManager
from lynriescoop.application.accounts.get_me import GetMe
from lynriescoop.application.accounts.list_users import ListUsers
from lynriescoop.application.accounts.log_in import LogIn
from lynriescoop.application.accounts.log_out import LogOut
from lynriescoop.application.accounts.login_throttle import LoginThrottle, RegistrationThrottle
from lynriescoop.application.accounts.purge_account_records import PurgeAccountRecords
from lynriescoop.application.accounts.refresh_session import RefreshSession
from lynriescoop.application.accounts.register_user import RegisterUser
from lynriescoop.application.accounts.seed_demo_users import SeedDemoUsers
from lynriescoop.application.accounts.sessions import SessionIssuer
from lynriescoop.application.accounts.update_me import UpdateMe
from lynriescoop.application.accounts.update_user import UpdateUser
from lynriescoop.application.bookings.best_available import BestAvailable
from lynriescoop.application.bookings.cancel_booking import CancelBooking
from lynriescoop.application.bookings.claiming import ClaimTerms
from lynriescoop.application.bookings.confirm_booking import ConfirmBooking
from lynriescoop.application.bookings.get_booking import GetBooking
from lynriescoop.application.bookings.get_stats import GetStats
from lynriescoop.application.bookings.list_bookings import ListBookings
from lynriescoop.application.bookings.place_booking import PlaceBooking
from lynriescoop.application.bookings.showing_cancellation import cancel_bookings_of_showing
from lynriescoop.application.bookings.sweep_holds import SweepHolds
from lynriescoop.application.catalogue.movies.create_movie import CreateMovie
from lynriescoop.application.catalogue.movies.delete_movie import DeleteMovie
from lynriescoop.application.catalogue.movies.get_movie import GetMovie
from lynriescoop.application.catalogue.movies.import_movie import ImportMovie
from lynriescoop.application.catalogue.movies.list_movies import ListMovies
from lynriescoop.application.catalogue.movies.list_now_playing import ListNowPlaying
from lynriescoop.application.catalogue.movies.search_tmdb import SearchTmdb
from lynriescoop.application.catalogue.movies.seed_movies import SeedMovies
from lynriescoop.application.catalogue.movies.update_movie import UpdateMovie
from lynriescoop.application.catalogue.rooms.create_room import CreateRoom
from lynriescoop.application.catalogue.rooms.delete_room import DeleteRoom
from lynriescoop.application.catalogue.rooms.get_room import GetRoom
from lynriescoop.application.catalogue.rooms.list_rooms import ListRooms
from lynriescoop.application.catalogue.rooms.update_room import UpdateRoom
from lynriescoop.application.catalogue.rooms.update_seat import UpdateSeat
from lynriescoop.application.catalogue.seed_schedule import SeedSchedule
from lynriescoop.application.catalogue.showings.cancel_showing import CancelShowing
from lynriescoop.application.catalogue.showings.delete_showing import DeleteShowing
from lynriescoop.application.catalogue.showings.get_seat_map import GetSeatMap
from lynriescoop.application.catalogue.showings.get_showing import GetShowing
from lynriescoop.application.catalogue.showings.list_showings import ListShowings
from lynriescoop.application.catalogue.showings.schedule_showing import ScheduleShowing
from lynriescoop.application.catalogue.showings.update_showing import UpdateShowing
from lynriescoop.application.delivery.list_outbox import ListOutbox
from lynriescoop.application.delivery.purge_outbox import PurgeOutbox
from lynriescoop.application.delivery.retry_outbox_entry import RetryOutboxEntry
from lynriescoop.application.delivery.routing import route_event
from lynriescoop.application.ports.clock import SystemClock
from lynriescoop.application.tickets.check_in import CheckIn, CheckInBatch
from lynriescoop.application.tickets.queries import GetTicket, ListBookingTickets, ListTicketKeys
from lynriescoop.domain.seat_rules import SeatRules
from lynriescoop.entrypoints import delivery, tmdb_wiring
from lynriescoop.entrypoints.hasher_pool import HasherPoolShutdown
from lynriescoop.entrypoints.http.response_cache import ResponseCache
from lynriescoop.entrypoints.mqtt.booking_requests import BookingRequestHandler
from lynriescoop.entrypoints.mqtt.consumer import BookingRequestConsumer
from lynriescoop.entrypoints.periodic import PeriodicTask
from lynriescoop.entrypoints.secrets import jwt_secret, ticket_signing_key
from lynriescoop.settings import Settings


def _change_listener(settings: Settings, feed: ChangeFeed) -> PostgresChangeListener:
    if not settings.database_url:
        raise ValueError("the change listener needs DATABASE_URL")
    return PostgresChangeListener(asyncpg_dsn(settings.database_url), feed)


class Container(containers.DeclarativeContainer):
    settings = providers.Dependency(instance_of=Settings)

    clock = providers.Singleton(SystemClock)

    engine = providers.Singleton(
        make_engine,
        url=settings.provided.database_url,
        pool_size=settings.provided.db_pool_size,
        timeout_s=settings.provided.db_timeout_seconds,
        pool_timeout_s=settings.provided.db_pool_timeout_seconds,
    )
    session_factory = providers.Singleton(make_session_factory, engine)
    event_router = providers.Object(route_event)

    # At most this many bookings are worked on at once per process; the rest wait their turn without taking CPU, so
    # a burst never starves the outbox relay of the event loop (the live map keeps up: docs/performance.md).
    booking_gate = providers.Singleton(asyncio.Semaphore, settings.provided.booking_concurrency)

    # Catalogue changes, for the read caches: this process's commits at once, other processes' through NOTIFY.
    change_feed = providers.Singleton(ChangeFeed)
    change_listener = providers.Singleton(_change_listener, settings=settings, feed=change_feed)
    response_cache = providers.Singleton(
        ResponseCache,
        feed=change_feed,
        clock=clock,
        max_entries=settings.provided.response_cache_entries,
        max_bytes=settings.provided.response_cache_bytes,
    )

    uow = providers.Factory(
        PostgresUnitOfWork, session_factory=session_factory, router=event_router, changes=change_feed
    )

    password_hasher = providers.Singleton(
        Argon2PasswordHasher,
        max_workers=settings.provided.password_hash_workers,
        max_queue=settings.provided.password_hash_max_queue,
    )
    token_service = providers.Singleton(
        JwtTokenService,
        secret=providers.Callable(jwt_secret, settings),
        issuer=settings.provided.jwt_issuer,
        access_minutes=settings.provided.access_token_minutes,
        algorithm=settings.provided.jwt_algorithm,
    )

    # Ticket codes (API.md §11): Ed25519, the current key signs, previous public keys still verify.
    ticket_signer = providers.Singleton(
        Ed25519TicketSigner,
        private_key=providers.Callable(ticket_signing_key, settings),
        previous_public_keys=settings.provided.ticket_previous_keys,
    )

    # Accounts and authentication (API.md §2, §7 users).
    session_issuer = providers.Singleton(
        SessionIssuer, tokens=token_service, refresh_days=settings.provided.refresh_token_days
    )
    login_throttle = providers.Singleton(
        LoginThrottle,
        max_failures=settings.provided.login_max_failures,
        window_seconds=settings.provided.login_window_seconds,
        max_failures_per_client=settings.provided.login_max_failures_per_client,
    )
    registration_throttle = providers.Singleton(
        RegistrationThrottle,
        max_per_client=settings.provided.register_max_per_client,
        window_seconds=settings.provided.register_window_seconds,
    )
    register_user = providers.Factory(
        RegisterUser,
        uow_factory=uow.provider,
        hasher=password_hasher,
        sessions=session_issuer,
        clock=clock,
        throttle=registration_throttle,
    )
    log_in = providers.Factory(
        LogIn,
        uow_factory=uow.provider,
        hasher=password_hasher,
        sessions=session_issuer,
        throttle=login_throttle,
        clock=clock,
    )
    refresh_session = providers.Factory(RefreshSession, uow_factory=uow.provider, sessions=session_issuer, clock=clock)
    log_out = providers.Factory(LogOut, uow_factory=uow.provider, sessions=session_issuer, clock=clock)
    get_me = providers.Factory(GetMe, uow_factory=uow.provider)
    update_me = providers.Factory(
        UpdateMe, uow_factory=uow.provider, hasher=password_hasher, clock=clock, throttle=login_throttle
    )
    purge_account_records = providers.Factory(
        PurgeAccountRecords,
        uow_factory=uow.provider,
        clock=clock,
        retention=settings.provided.refresh_token_retention,
        attempt_window=settings.provided.longest_attempt_window,
    )
    list_users = providers.Factory(ListUsers, uow_factory=uow.provider)
    update_user = providers.Factory(UpdateUser, uow_factory=uow.provider, clock=clock)
    ensure_manager = providers.Factory(EnsureManager, uow_factory=uow.provider, hasher=password_hasher, clock=clock)
    seed_demo_users = providers.Factory(SeedDemoUsers, uow_factory=uow.provider, hasher=password_hasher, clock=clock)

    # Bookings (API.md §6, §7 bookings and stats).
    seat_rules = providers.Singleton(
        SeatRules,
        single_seat_rule=settings.provided.single_seat_rule,
        companion_release=settings.provided.companion_release,
    )
    # The terms every claim obeys (API.md §6, §10), shared by POST /bookings, best available and MQTT.
    claim_terms = providers.Singleton(
        ClaimTerms,
        hold_for=settings.provided.hold_duration,
        max_seats=settings.provided.max_seats_per_booking,
        cancel_cutoff=settings.provided.cancel_cutoff,
        currency=settings.provided.currency,
        seat_rules=seat_rules,
    )
    place_booking = providers.Factory(
        PlaceBooking, uow_factory=uow.provider, clock=clock, terms=claim_terms, signer=ticket_signer
    )
    best_available = providers.Factory(
        BestAvailable, uow_factory=uow.provider, clock=clock, terms=claim_terms, signer=ticket_signer
    )
    confirm_booking = providers.Factory(
        ConfirmBooking,
        uow_factory=uow.provider,
        clock=clock,
        cancel_cutoff=settings.provided.cancel_cutoff,
        signer=ticket_signer,
    )
    cancel_booking = providers.Factory(
        CancelBooking, uow_factory=uow.provider, clock=clock, cancel_cutoff=settings.provided.cancel_cutoff
    )
    get_booking = providers.Factory(GetBooking, uow_factory=uow.provider)
    list_bookings = providers.Factory(ListBookings, uow_factory=uow.provider, clock=clock)
    stats_reader = providers.Singleton(PostgresStatsReader, engine)
    get_stats = providers.Factory(GetStats, reader=stats_reader, clock=clock)
    sweep_holds = providers.Factory(SweepHolds, uow_factory=uow.provider, clock=clock)

    # Tickets and check-in (API.md §11).
    list_ticket_keys = providers.Factory(ListTicketKeys, signer=ticket_signer)
    list_booking_tickets = providers.Factory(ListBookingTickets, uow_factory=uow.provider)
    get_ticket = providers.Factory(GetTicket, uow_factory=uow.provider)
    check_in = providers.Factory(CheckIn, uow_factory=uow.provider, clock=clock, signer=ticket_signer)
    check_in_batch = providers.Factory(CheckInBatch, check_in=check_in)

    # Movies and the TMDB import (API.md §3). The HTTP client is shared and closed by the lifespan.
    tmdb_http_client = providers.Singleton(tmdb_wiring.tmdb_http_client, settings)
    movie_source = providers.Singleton(tmdb_wiring.tmdb_movie_source, settings, tmdb_http_client)
    list_movies = providers.Factory(ListMovies, uow_factory=uow.provider)
    list_now_playing = providers.Factory(ListNowPlaying, uow_factory=uow.provider, clock=clock)
    get_movie = providers.Factory(GetMovie, uow_factory=uow.provider)
    create_movie = providers.Factory(CreateMovie, uow_factory=uow.provider, clock=clock)
    update_movie = providers.Factory(UpdateMovie, uow_factory=uow.provider, clock=clock)
    delete_movie = providers.Factory(DeleteMovie, uow_factory=uow.provider)
    search_tmdb = providers.Factory(SearchTmdb, uow_factory=uow.provider, source=movie_source)
    import_movie = providers.Factory(ImportMovie, uow_factory=uow.provider, source=movie_source, clock=clock)
    seed_movies = providers.Factory(SeedMovies, uow_factory=uow.provider, clock=clock)

    # Rooms, showings and seat maps (API.md §4, §5).
    list_rooms = providers.Factory(ListRooms, uow_factory=uow.provider)
    get_room = providers.Factory(GetRoom, uow_factory=uow.provider)
    create_room = providers.Factory(CreateRoom, uow_factory=uow.provider, clock=clock)
    update_room = providers.Factory(UpdateRoom, uow_factory=uow.provider, clock=clock)
    update_seat = providers.Factory(UpdateSeat, uow_factory=uow.provider, clock=clock)
    delete_room = providers.Factory(DeleteRoom, uow_factory=uow.provider)
    list_showings = providers.Factory(
        ListShowings, uow_factory=uow.provider, clock=clock, timezone=settings.provided.timezone
    )
    get_showing = providers.Factory(GetShowing, uow_factory=uow.provider, clock=clock)
    get_seat_map = providers.Factory(GetSeatMap, uow_factory=uow.provider, clock=clock)
    schedule_showing = providers.Factory(
        ScheduleShowing, uow_factory=uow.provider, clock=clock, cleaning=settings.provided.cleaning
    )
    update_showing = providers.Factory(
        UpdateShowing, uow_factory=uow.provider, clock=clock, cleaning=settings.provided.cleaning
    )
    # Cancelling a showing cancels its bookings in the same transaction (the booking engine's rule).
    cancel_bookings_of_showing = providers.Factory(
        functools.partial, cancel_bookings_of_showing, cancel_cutoff=settings.provided.cancel_cutoff
    )
    cancel_showing = providers.Factory(
        CancelShowing, uow_factory=uow.provider, clock=clock, cancel_bookings=cancel_bookings_of_showing
    )
    delete_showing = providers.Factory(DeleteShowing, uow_factory=uow.provider, clock=clock)
    seed_schedule = providers.Factory(
        SeedSchedule,
        uow_factory=uow.provider,
        clock=clock,
        timezone=settings.provided.timezone,
        cleaning=settings.provided.cleaning,
    )

    # Delivery (API.md §8, §9, §7 outbox): the MQTT client, the mailer, the outbox relay, the outbox routes.
    mqtt_client = providers.Singleton(delivery.build_mqtt_client, settings)
    mailer = providers.Singleton(delivery.build_mailer, settings)
    # The relay has a small pool of its own: under a booking burst every request connection may be queued on one
    # showing's row lock, and the live map must not wait behind them (docs/performance.md).
    delivery_engine = providers.Singleton(
        make_engine,
        url=settings.provided.database_url,
        pool_size=2,
        max_overflow=1,
        timeout_s=settings.provided.db_timeout_seconds,
        pool_timeout_s=settings.provided.db_pool_timeout_seconds,
    )
    delivery_uow = providers.Factory(
        PostgresUnitOfWork,
        session_factory=providers.Singleton(make_session_factory, delivery_engine),
        router=event_router,
        changes=change_feed,
    )
    outbox_relay = providers.Singleton(
        delivery.build_outbox_relay,
        settings=settings,
        engine=delivery_engine,
        uow_factory=delivery_uow.provider,
        clock=clock,
        publisher=mqtt_client,
        mailer=mailer,
    )
    purge_outbox = providers.Factory(
        PurgeOutbox, uow_factory=uow.provider, clock=clock, retention=settings.provided.outbox_retention
    )
    list_outbox = providers.Factory(
        ListOutbox, uow_factory=uow.provider, topic_prefix=settings.provided.mqtt_topic_prefix
    )
    retry_outbox_entry = providers.Factory(
        RetryOutboxEntry, uow_factory=uow.provider, clock=clock, topic_prefix=settings.provided.mqtt_topic_prefix
    )

    # The booking/request consumer (API.md §8): the same use case as POST /bookings.
    booking_request_handler = providers.Singleton(
        BookingRequestHandler,
        place=place_booking.provider,
        tokens=token_service,
        uow_factory=uow.provider,
        max_payload_bytes=settings.provided.mqtt_max_payload_bytes,
    )
    booking_request_consumer = providers.Singleton(
        BookingRequestConsumer, client=mqtt_client, handler=booking_request_handler
    )

    # Long-running tasks of the lifespan (sweeper, outbox relay, MQTT consumer), in start order.
    # The consumer subscribes before the MQTT client starts; the relay starts after the client and stops before it.
    background_services = providers.List(
        providers.Factory(HasherPoolShutdown, hasher=password_hasher),
        providers.Factory(HttpClientCloser, name="tmdb-http-client", client=tmdb_http_client),
        providers.Factory(
            PeriodicTask, name="hold-sweeper", interval=settings.provided.hold_sweep_seconds, job=sweep_holds
        ),
        providers.Factory(
            PeriodicTask,
            name="account-purger",
            interval=settings.provided.account_purge_seconds,
            job=purge_account_records,
        ),
        providers.Factory(
            PeriodicTask, name="outbox-purger", interval=settings.provided.outbox_purge_seconds, job=purge_outbox
        ),
        change_listener,
        booking_request_consumer,
        mqtt_client,
        outbox_relay,
    )

    # Readiness probes besides the database: name -> callable answering "ok" / "down" (or a mode).
    health_probes = providers.Dict(mqtt=mqtt_client.provided.health, smtp=mailer.provided.health)


def build_container(settings: Settings) -> Container:
    container = Container(settings=settings)
    return container
