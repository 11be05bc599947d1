"""/healthz (the process answers) and /readyz (its database answers; Redis is reported).

Both are unauthenticated and cheap: load balancers and orchestrators call them every few
seconds. /healthz names the worker's pid, which shows how connections spread over workers.
/readyz names a failed dependency only: a driver's error text can name hosts, users and
paths, so it goes to the log, not to whoever asks.
"""

from __future__ import annotations

import asyncio
import logging
import os

from sqlalchemy import text
from starlette.requests import Request
from starlette.responses import JSONResponse

from auth.throttle import RedisStore
from services import Services

_CHECK_TIMEOUT_SECONDS = 2
log = logging.getLogger("gpt_supporter.health")


async def healthz(_request: Request) -> JSONResponse:
    return JSONResponse({"status": "ok", "pid": os.getpid()})


async def _database(services: Services) -> None:
    async with services.engine.connect() as connection:
        await connection.execute(text("SELECT 1"))


async def _redis(store: RedisStore) -> None:
    if not await store.ping():
        raise ConnectionError("redis did not answer PING")


async def readyz(request: Request) -> JSONResponse:
    services: Services = request.app.state.services
    checks = {"database": _database(services)}
    store = services.throttle.store
    if isinstance(store, RedisStore):
        checks["redis"] = _redis(store)
    body: dict[str, str] = {}
    failed = set()
    for name, check in checks.items():
        try:
            async with asyncio.timeout(_CHECK_TIMEOUT_SECONDS):
                await check
            body[name] = "ok"
        except Exception as error:
            failed.add(name)
            body[name] = "unavailable"
            # One line, no traceback: probes repeat every few seconds while it is down.
            log.warning("readiness: %s unavailable: %r", name, error)
    # Only the database makes a replica unready. Without Redis throttling falls back to the
    # process's own counts (docs/design.md); failing readiness would take every replica out of the
    # load balancer at once and turn a degraded limiter into an outage.
    if "database" in failed:
        body["status"] = "unavailable"
        return JSONResponse(body, 503)
    body["status"] = "degraded" if failed else "ok"
    return JSONResponse(body, 200)
