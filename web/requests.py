"""One log line and the metrics of every HTTP request, and its X-Request-ID header.

A pure ASGI middleware (no BaseHTTPMiddleware: it would copy each body into a new task).
The line holds the request id, method, path, status, duration, the GraphQL operation's
name, type, trusted document id and error codes, and the caller's user id; never headers,
bodies or variables, so no password or token can reach the logs.
"""

from __future__ import annotations

import logging
import os
import re
import time

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from schema.observe import OperationInfo, current_operation
from web import metrics

log = logging.getLogger("gpt_supporter.request")

HEADER = b"x-request-id"
# An id from the proxy or the client is kept when it is short and plain: it goes into logs.
_SANE_ID = re.compile(rb"[A-Za-z0-9._:-]{1,64}")
# Probes arrive every few seconds; their lines are debug-level noise.
_PROBES = frozenset({"/healthz", "/readyz", "/metrics"})


def _request_id(scope: Scope) -> str:
    for name, value in scope["headers"]:
        if name == HEADER and _SANE_ID.fullmatch(value):
            return value.decode()
    # uuid4().hex's format (32 hex digits, 128 random bits) without building a UUID.
    return os.urandom(16).hex()


class RequestObserver:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        request_id = _request_id(scope)
        info = OperationInfo()
        token = current_operation.set(info)
        status = 500  # unless a response starts: the app raised

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                headers = list(message.get("headers", ()))
                headers.append((HEADER, request_id.encode()))
                message = {**message, "headers": headers}
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            current_operation.reset(token)
            seconds = time.perf_counter() - started
            path: str = scope["path"]
            if path == "/graphql":
                metrics.observe_graphql(info, seconds)
                services = getattr(scope["app"].state, "services", None)
                if services is not None:
                    metrics.observe_pool(services.engine)
            log.log(
                logging.DEBUG if path in _PROBES else logging.INFO,
                "%s %s %d",
                scope["method"],
                path,
                status,
                extra={
                    "request_id": request_id,
                    "method": scope["method"],
                    "path": path,
                    "status": status,
                    "duration_ms": round(seconds * 1000, 2),
                    "operation_name": info.name,
                    "operation_type": info.type,
                    "document_id": info.document_id,
                    "error_codes": list(info.error_codes) or None,
                    "user_id": info.user_id,
                },
            )
