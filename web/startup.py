"""Refuse to start on invalid settings with one line that says why, not a traceback."""

from __future__ import annotations

from collections.abc import Callable

from pydantic import ValidationError
from starlette.types import ASGIApp, Receive, Scope, Send


def settings_problem(error: ValidationError) -> str:
    reasons = []
    for item in error.errors():
        message = str(item["msg"]).removeprefix("Value error, ")
        where = ".".join(str(part) for part in item["loc"]).upper()
        reasons.append(f"{where}: {message}" if where else message)
    return "refusing to start: " + "; ".join(reasons)


class StartupGuard:
    """Checks the settings when the server starts the lifespan.

    Starlette reports a failing lifespan with the whole traceback; for a configuration
    mistake the operator needs only the reason, so it is sent as the failure message and
    the server exits non-zero with it.
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
        await self.app(scope, receive, send)
