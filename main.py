"""The composition root: settings, engine and app are built here, in a factory and the lifespan.

uvicorn main:app            serve (settings and engine are made at startup, not import)
python main.py migrate      apply database migrations
python main.py create-admin --username U --email E [--password-stdin]
python main.py export-schema
python main.py purge-tokens   delete refresh tokens that can no longer matter (a periodic job)
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import functools
import getpass
import logging
import sys
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import TypeVar

from pydantic import ValidationError
from starlette.applications import Starlette
from starlette.routing import Route
from starlette.types import ASGIApp, Receive, Scope, Send

from schema.build import build_schema, stored_document_checks
from schema.deadline import drain_cancelled
from schema.http import GraphQLApp
from schema.limits import QueryLimits
from schema.manifests import ManifestError
from schema.trusted import TrustedDocuments
from services import Services, build_services
from settings import Settings, load_settings
from web.graphiql import GRAPHIQL_ASSETS_ROUTE, offline_graphiql
from web.health import healthz, readyz
from web.logs import configure_logging
from web.metrics import metrics
from web.protocol import ServerHardening
from web.requests import RequestObserver
from web.security import CORS, SecurityHeaders
from web.startup import StartupGuard, StartupRefused, settings_problem
from web.transport import GraphQLTransport

log = logging.getLogger("gpt_supporter")
T = TypeVar("T")


class _SettingsCORS:
    """CORS from CORS_ORIGINS, which is only known once the lifespan has read the settings."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self._cors: ASGIApp | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if self._cors is None:
            settings: Settings = scope["app"].state.services.settings
            self._cors = CORS(
                self.app,
                allow_origins=settings.cors_origins,
                allow_methods=["GET", "POST", "OPTIONS"],
                allow_headers=["authorization", "content-type"],
                max_age=600,
            )
        await self._cors(scope, receive, send)


class _GraphQLRoute:
    """Hands /graphql to the GraphQL app that the lifespan built from the settings."""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await scope["app"].state.graphql(scope, receive, send)


def create_app(settings_factory: Callable[[], Settings] = load_settings) -> Starlette:
    """The ASGI app. Nothing touches the environment or the database until startup."""

    # Read once: StartupGuard checks them before the lifespan, which then uses them.
    load_settings_once = functools.cache(settings_factory)

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        settings = load_settings_once()
        configure_logging(settings.log_level, settings.log_json)
        limits = QueryLimits.from_settings(settings)
        schema = build_schema(field_suggestions=settings.field_suggestions_enabled, limits=limits)
        # Before any connection or store is opened: a bad manifest stops the start in one line.
        try:
            trusted = await TrustedDocuments.load(
                settings.trusted_mode,
                settings.trusted_documents,
                schema,
                checks=stored_document_checks(schema, limits),
            )
        except ManifestError as error:
            raise StartupRefused(str(error)) from None
        services = build_services(settings)
        app.state.services = services
        # GraphiQL from the service's own files when installed; never in production.
        app.state.graphiql = offline_graphiql(settings)
        app.state.graphql = GraphQLApp(
            schema,
            services=services,
            trusted=trusted,
            graphql_ide=None if settings.is_production else "graphiql",
            ide_page=app.state.graphiql.page if app.state.graphiql else None,
            allow_queries_via_get=True,
            multipart_uploads_enabled=False,
        )
        try:
            yield
        finally:
            await services.throttle.close()
            # Operations cancelled at their deadline roll back on their connections first.
            await drain_cancelled(5)
            await services.engine.dispose()
            log.info("shutdown complete: database engine disposed")

    app = Starlette(
        routes=[
            Route("/graphql", _GraphQLRoute(), methods=["GET", "POST"]),
            Route("/healthz", healthz),
            Route("/readyz", readyz),
            Route("/metrics", metrics),
            GRAPHIQL_ASSETS_ROUTE,
        ],
        lifespan=lifespan,
    )
    # Last added runs first: the guard, the request log and metrics, the security headers,
    # the server's head limits (ServerHardening also hardens plain `uvicorn main:app`), CORS.
    app.add_middleware(GraphQLTransport)
    app.add_middleware(_SettingsCORS)
    app.add_middleware(ServerHardening)
    app.add_middleware(SecurityHeaders)
    app.add_middleware(RequestObserver)
    app.add_middleware(StartupGuard, load_settings=load_settings_once)
    return app


app = create_app()


# ---- command line ---------------------------------------------------------------------------


def _cmd_migrate(_args: argparse.Namespace) -> int:
    from db.migrate import upgrade_sync

    upgrade_sync(load_settings().database_url)
    print("migrated to head")
    return 0


def _cmd_export_schema(_args: argparse.Namespace) -> int:
    sys.stdout.write(build_schema().as_str() + "\n")
    return 0


def _cmd_create_admin(args: argparse.Namespace) -> int:
    from resolvers.admin import make_admin

    if args.password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = getpass.getpass("Password: ")
        if password != getpass.getpass("Again: "):
            print("passwords differ", file=sys.stderr)
            return 2
    problem = asyncio.run(
        _with_services(lambda services: make_admin(services, args.username, args.email, password))
    )
    if problem:
        print(problem, file=sys.stderr)
        return 2
    print(f"{args.username} is an admin")
    return 0


def _cmd_purge_tokens(_args: argparse.Namespace) -> int:
    from resolvers.sessions import purge_refresh_tokens

    purged = asyncio.run(_with_services(purge_refresh_tokens))
    print(f"purged {purged.total} refresh tokens: {purged.expired} expired, {purged.used} used")
    return 0


async def _with_services(work: Callable[[Services], Awaitable[T]]) -> T:
    services = build_services(load_settings())
    try:
        return await work(services)
    finally:
        await services.close()


def cli(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="main.py", description=__doc__.splitlines()[0] if __doc__ else None
    )
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("migrate", help="apply database migrations").set_defaults(run=_cmd_migrate)
    commands.add_parser("export-schema", help="print the GraphQL SDL").set_defaults(
        run=_cmd_export_schema
    )
    commands.add_parser(
        "purge-tokens", help="delete expired refresh tokens and used ones past the reuse window"
    ).set_defaults(run=_cmd_purge_tokens)
    admin = commands.add_parser("create-admin", help="create an admin, or promote a user")
    admin.add_argument("--username", required=True)
    admin.add_argument("--email", required=True)
    admin.add_argument("--password-stdin", action="store_true")
    admin.set_defaults(run=_cmd_create_admin)
    args = parser.parse_args(argv)
    try:
        return int(args.run(args))
    except ValidationError as error:
        print(settings_problem(error), file=sys.stderr)
        return 2


if __name__ == "__main__":
    raise SystemExit(cli())
