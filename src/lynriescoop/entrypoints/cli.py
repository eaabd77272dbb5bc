"""The ``lynriescoop`` command: serve, migrate, seed, create-manager, verify-ticket (API.md §10)."""

from __future__ import annotations

import argparse
import asyncio
import getpass
import json
import multiprocessing
import signal
import socket
import sys
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor

from pydantic import ValidationError

from lynriescoop.adapters.embedded import EmbeddedStartError
from lynriescoop.domain.formats import rfc3339
from lynriescoop.entrypoints.logging import configure_logging
from lynriescoop.entrypoints.runtime import EmbeddedServers, check_production_defaults, is_loopback_host
from lynriescoop.settings import Settings, SettingsError


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="lynriescoop", description="LynrieScoop cinema booking service")
    commands = parser.add_subparsers(dest="command", required=True)

    serve = commands.add_parser("serve", help="apply migrations, then serve HTTP, MQTT and background tasks")
    serve.add_argument("--host", default=None, help="listen address (default: HOST or 127.0.0.1)")
    serve.add_argument("--port", type=int, default=None, help="listen port (default: PORT or 8000)")
    serve.add_argument("--workers", type=int, default=1, help="worker processes (default 1)")

    commands.add_parser("migrate", help="apply pending database migrations (alembic upgrade head)")
    commands.add_parser("seed", help="load idempotent demo data (refused in production)")

    manager = commands.add_parser("create-manager", help="create a manager, or promote an existing user")
    manager.add_argument("--email", required=True)
    manager.add_argument("--name", required=True)
    manager.add_argument("--password-stdin", action="store_true", help="read the password from standard input")

    verify = commands.add_parser(
        "verify-ticket", help="check a ticket code offline: exit 0 valid, 1 invalid or revoked"
    )
    verify.add_argument("code", help="the ticket's code (spaces and hyphens are ignored)")
    verify.add_argument("--keys", required=True, help="a saved GET /tickets/keys answer (JSON)")
    verify.add_argument("--revoked", help="a saved retained tickets/revoked/{showing_id} message (JSON)")
    return parser


def upgrade(database_url: str) -> None:
    """``alembic upgrade head`` (imported when needed: a supervising ``serve`` process never loads alembic)."""
    from lynriescoop.adapters.postgres.migrations import upgrade as upgrade_to_head

    upgrade_to_head(database_url)


def _fail(message: str) -> int:
    print(f"lynriescoop: {message}", file=sys.stderr, flush=True)
    return 1


def _check_can_listen(host: str, port: int) -> None:
    """Fail before starting anything when the HTTP port is taken, with one clear line."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as exc:
            raise PortUnavailable(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from exc


class PortUnavailable(Exception):
    pass


def _prepare(settings: Settings, host: str) -> str | None:
    """Before serving: migrate, refuse production with the demo accounts present, seed demo data on a loopback
    address. Returns why it refuses to serve, or None."""
    from lynriescoop.entrypoints.seed import demo_accounts_present, seed_demo_data

    assert settings.database_url is not None
    upgrade(settings.database_url)
    if settings.is_production:
        present = asyncio.run(demo_accounts_present(settings))
        if present:
            return (
                "ENVIRONMENT=production refuses to start while the demo accounts exist (their passwords are "
                f"published): {', '.join(present)}; remove them first (SECURITY.md, Demo accounts)"
            )
    elif settings.seed_on_start and not is_loopback_host(host):
        # Demo accounts have published passwords: never on an address other machines can reach.
        print(
            f"demo data not seeded: {host} is not a loopback address (`lynriescoop seed` seeds on purpose)", flush=True
        )
    elif settings.seed_on_start:
        asyncio.run(seed_demo_data(settings, quiet=True))
    return None


def _prepare_elsewhere(settings: Settings, host: str) -> str | None:
    """:func:`_prepare` in a short-lived child process: with ``--workers N`` this process only supervises the
    workers, and it stays small (the migrations, the seed and the application's modules are never imported here;
    docs/performance.md)."""
    with ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("spawn")) as child:
        return child.submit(_prepare, settings, host).result()


def _serve(args: argparse.Namespace, settings: Settings) -> int:
    import uvicorn

    host = args.host or settings.host
    port = args.port if args.port is not None else settings.port
    if args.workers <= 1:
        _check_can_listen(host, port)
    servers = EmbeddedServers(settings)
    try:
        settings = servers.start()
        refusal = _prepare(settings, host) if args.workers <= 1 else _prepare_elsewhere(settings, host)
        if refusal is not None:
            return _fail(refusal)
        print(f"LynrieScoop on http://{host}:{port}  (API docs: http://{host}:{port}/docs)", flush=True)
        # uvicorn re-raises the signal it caught after a graceful shutdown, into the handler it found at
        # start. A no-op handler turns that into a normal return, so embedded servers stop and we exit 0.
        for sig in (signal.SIGTERM, signal.SIGINT):
            signal.signal(sig, lambda *_: None)
        uvicorn.run(
            "lynriescoop.entrypoints.http.app:create_app_from_env",
            factory=True,
            host=host,
            port=port,
            workers=max(1, args.workers),
            log_config=None,
            access_log=False,
            proxy_headers=True,
            timeout_graceful_shutdown=10,
        )
        return 0
    finally:
        servers.stop()


def _migrate(settings: Settings) -> int:
    servers = EmbeddedServers(settings, with_broker=False)
    try:
        settings = servers.start()
        assert settings.database_url is not None
        upgrade(settings.database_url)
        print("migrations applied", flush=True)
        return 0
    finally:
        servers.stop()


def _seed(settings: Settings) -> int:
    from lynriescoop.entrypoints.seed import seed_demo_data

    if settings.is_production:
        return _fail("seed is refused when ENVIRONMENT=production")
    servers = EmbeddedServers(settings, with_broker=False)
    try:
        settings = servers.start()
        assert settings.database_url is not None
        upgrade(settings.database_url)
        asyncio.run(seed_demo_data(settings, quiet=False))
        return 0
    finally:
        servers.stop()


def _create_manager(args: argparse.Namespace, settings: Settings) -> int:
    from lynriescoop.entrypoints.seed import create_manager

    if args.password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = getpass.getpass("Password: ")
        if password != getpass.getpass("Repeat password: "):
            return _fail("the passwords differ")
    servers = EmbeddedServers(settings, with_broker=False)
    try:
        settings = servers.start()
        assert settings.database_url is not None
        upgrade(settings.database_url)
        outcome = asyncio.run(create_manager(settings, args.email, args.name, password))
        print(outcome, flush=True)
        return 0
    finally:
        servers.stop()


def _verify_ticket(args: argparse.Namespace) -> int:
    """Needs no settings, database or network: only the saved keys (and revocation list)."""
    from lynriescoop.adapters.security.ed25519_tickets import TicketKeyError, verify_offline

    try:
        with open(args.keys, encoding="utf-8") as handle:
            keys = json.load(handle)
        revoked = None
        if args.revoked:
            with open(args.revoked, encoding="utf-8") as handle:
                revoked = json.load(handle)
        verdict = verify_offline(args.code, keys, revoked)
    except (OSError, ValueError, TicketKeyError) as exc:
        return _fail(f"cannot verify: {exc}")
    if verdict.claims is not None:
        claims = verdict.claims
        print(f"ticket:  {claims.ticket_id}")
        print(f"showing: {claims.showing_id} at {rfc3339(claims.start_time)}")
        print(f"seat:    {claims.seat_label}")
        print(f"key:     {claims.key_id}")
    print(f"verdict: {'VALID' if verdict.valid else 'INVALID'} ({verdict.reason})", flush=True)
    return 0 if verdict.valid else 1


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.command == "verify-ticket":
        return _verify_ticket(args)
    try:
        settings = Settings()
        settings.check_startable()
        check_production_defaults(settings)
    except ValidationError as exc:
        first = exc.errors()[0]
        return _fail(f"invalid setting {'.'.join(map(str, first['loc'])).upper()}: {first['msg']}")
    except SettingsError as exc:
        return _fail(str(exc))
    configure_logging(settings.log_level, settings.log_format)
    try:
        if args.command == "serve":
            return _serve(args, settings)
        if args.command == "migrate":
            return _migrate(settings)
        if args.command == "seed":
            return _seed(settings)
        return _create_manager(args, settings)
    except (EmbeddedStartError, PortUnavailable) as exc:
        return _fail(str(exc))
    except (ValueError, LookupError) as exc:
        return _fail(str(exc))
    except OSError as exc:
        return _fail(f"{type(exc).__name__}: {exc}")


if __name__ == "__main__":
    sys.exit(main())
