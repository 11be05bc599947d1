"""Refuse to start on invalid settings or manifests with one line that says why, not a traceback."""

from __future__ import annotations

from collections.abc import Callable

from pydantic import ValidationError
from starlette.types import ASGIApp, Message, Receive, Scope, Send

PREFIX = "refusing to start: "


class StartupRefused(Exception):
    """Raised by the lifespan for a configuration the service will not run with (one line)."""


def settings_problem(error: ValidationError) -> str:
    reasons = []
    for item in error.errors():
        message = str(item["msg"]).removeprefix("Value error, ")
        where = ".".join(str(part) for part in item["loc"]).upper()
        reasons.append(f"{where}: {message}" if where else message)
    return PREFIX + "; ".join(reasons)


class StartupGuard:
    """Checks the settings when the server starts the lifespan, and words its refusals.

    Starlette reports a failing lifespan with the whole traceback; for a configuration
    mistake the operator needs only the reason, so it is sent as the failure message and
    the server exits non-zero with it. The same for a StartupRefused the lifespan raises
    (a bad trusted-documents manifest): Starlette's traceback message is replaced by its line.
    """

    def __init__(self, app: ASGIApp, load_settings: Callable[[], object]) -> None:
        self.app = app
        self.load_settings = load_settings

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            try:
                self.load_settings()
            except ValidationError as error:
                await receive()  # lifespan.startup
                await send({"type": "lifespan.startup.failed", "message": settings_problem(error)})
                return
            await self._lifespan(scope, receive, send)
            return
        await self.app(scope, receive, send)

    async def _lifespan(self, scope: Scope, receive: Receive, send: Send) -> None:
        held: list[Message] = []

        async def hold_failure(message: Message) -> None:
            if message["type"] == "lifespan.startup.failed":
                held.append(message)
                return
            await send(message)

        try:
            await self.app(scope, receive, hold_failure)
        except StartupRefused as refusal:
            await send({"type": "lifespan.startup.failed", "message": PREFIX + str(refusal)})
            return
        except BaseException:
            for message in held:
                await send(message)
            raise
        for message in held:
            await send(message)
