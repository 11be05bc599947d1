"""What the transport refuses before GraphQL runs: too large, malformed, wrong method.

docs/design.md "Errors": a GraphQL answer is HTTP 200; only the transport's refusals get
another status (413, 400, 405, 408 here; 414, 431 and 408 from web.protocol), and they still
carry a GraphQL-shaped JSON body `{"errors": [{"message": ..., "extensions": {"code": ...}}]}`
so a client reads them the same way. strawberry's own refusals (a mutation over GET, a
batch, a missing query, the GraphiQL page in production) come as plain text; they are
reshaped here too.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Iterable
from urllib.parse import parse_qs

import orjson
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from schema import request_json
from settings import Settings

# Before the lifespan has built the services: the settings' own defaults.
DEFAULT_MAX_BODY_BYTES: int = Settings.model_fields["max_body_bytes"].default
DEFAULT_BODY_READ_TIMEOUT_SECONDS: float = Settings.model_fields[
    "body_read_timeout_seconds"
].default
ALLOWED_METHODS = ("GET", "POST")

CODES = {
    400: "BAD_REQUEST",
    404: "NOT_FOUND",
    405: "METHOD_NOT_ALLOWED",
    408: "REQUEST_TIMEOUT",
    413: "PAYLOAD_TOO_LARGE",
    414: "URI_TOO_LONG",
    431: "REQUEST_HEADER_FIELDS_TOO_LARGE",
}


def error_body(message: str, code: str) -> bytes:
    return orjson.dumps({"errors": [{"message": message, "extensions": {"code": code}}]})


async def send_error(
    send: Send,
    status: int,
    message: str,
    headers: Iterable[tuple[bytes, bytes]] = (),
) -> None:
    body = error_body(message, CODES.get(status, "BAD_REQUEST"))
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                *headers,
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


# A GraphQL Name (the spec's grammar), of a length any real operation name has: it is echoed
# in errors and written to every request's log line.
_OPERATION_NAME = re.compile(r"[_A-Za-z][_0-9A-Za-z]{0,99}")


def operation_name_problem(name: object) -> str | None:
    """Why `name` cannot be a request's operationName, or None (absent or null is fine)."""
    if name is None:
        return None
    if not isinstance(name, str) or not _OPERATION_NAME.fullmatch(name):
        return "`operationName` must be a GraphQL name of at most 100 characters."
    return None


# Where a JSON POST's decoded body is handed on (schema.http reads it from the scope rather
# than decoding the same bytes again).
REQUEST_JSON = "gpt_supporter.request_json"


def decode_request(body: bytes) -> tuple[dict[str, object] | None, str | None]:
    """A JSON POST body as a GraphQL request object, or why it cannot be one."""
    try:
        data = request_json.load(body)
    except request_json.JSONProblem as problem:
        return None, str(problem)
    if isinstance(data, list):
        return None, "Batched operations are not supported; send one operation per request."
    if not isinstance(data, dict):
        return None, "The request body must be a JSON object with a `query`."
    return data, operation_name_problem(data.get("operationName"))


def query_problem(query_string: bytes) -> str | None:
    """Why a GET's parameters cannot be a GraphQL request, or None (the JSON ones are checked
    where they are decoded, schema.http)."""
    names = parse_qs(query_string.decode("latin-1")).get("operationName", [])
    if len(names) > 1:
        return "Give `operationName` once."
    return operation_name_problem(names[0]) if names else None


# strawberry's refusal text for a mutation sent with GET.
_MUTATION_OVER_GET = "mutations are not allowed when using GET"


class _ReshapeRefusals:
    """Turns a plain-text 4xx from the GraphQL view into a GraphQL-shaped JSON error."""

    def __init__(self, send: Send) -> None:
        self.send = send
        self.held: Message | None = None
        self.text = b""

    async def __call__(self, message: Message) -> None:
        if message["type"] == "http.response.start" and self._plain_refusal(message):
            self.held = message
            return
        if self.held is None or message["type"] != "http.response.body":
            await self.send(message)
            return
        self.text += message.get("body", b"")
        if message.get("more_body", False):
            return
        kept = [
            (name, value)
            for name, value in self.held.get("headers", [])
            if name.lower() not in (b"content-type", b"content-length")
        ]
        status = self.held["status"]
        text = self.text.decode(errors="replace") or "Refused."
        if status == 400 and _MUTATION_OVER_GET in text:
            # GraphQL over HTTP: a mutation over GET is a method the operation does not allow.
            status = 405
            kept.append((b"allow", b"POST"))
        await send_error(self.send, status, text, kept)

    @staticmethod
    def _plain_refusal(message: Message) -> bool:
        if message["status"] < 400:
            return False
        headers = dict(message.get("headers", []))
        return bool(headers.get(b"content-type", b"").startswith(b"text/plain"))


class GraphQLTransport:
    """ASGI middleware for the GraphQL path: method, body size and JSON checks.

    The body is read here, at most `max_body_bytes` of it whatever Content-Length says
    (a missing or lying one included: the count is of bytes actually received), checked,
    and handed on unchanged.
    """

    def __init__(self, app: ASGIApp, path: str = "/graphql", max_body_bytes: int | None = None):
        self.app = app
        self.path = path
        self._max_body_bytes = max_body_bytes

    def max_body_bytes(self, scope: Scope) -> int:
        if self._max_body_bytes is None:
            services = getattr(scope["app"].state, "services", None)
            return services.settings.max_body_bytes if services else DEFAULT_MAX_BODY_BYTES
        return self._max_body_bytes

    @staticmethod
    def body_read_timeout(scope: Scope) -> float:
        services = getattr(scope["app"].state, "services", None)
        if services is None:
            return DEFAULT_BODY_READ_TIMEOUT_SECONDS
        return float(services.settings.body_read_timeout_seconds)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] != self.path:
            await self.app(scope, receive, send)
            return
        if scope["method"] not in ALLOWED_METHODS:
            await send_error(
                send,
                405,
                f"{scope['method']} is not supported; use POST (or GET for queries).",
                [(b"allow", ", ".join(ALLOWED_METHODS).encode())],
            )
            return
        if scope["method"] == "POST":
            body = await self._read_body(scope, receive, send)
            if body is None:
                return
            if _is_json(scope):
                data, problem = decode_request(body)
                if problem:
                    await send_error(send, 400, problem)
                    return
                scope[REQUEST_JSON] = data
            receive = _replay(body, receive)
        elif problem := query_problem(scope.get("query_string", b"")):
            await send_error(send, 400, problem)
            return
        await self.app(scope, receive, _ReshapeRefusals(send))

    async def _read_body(self, scope: Scope, receive: Receive, send: Send) -> bytes | None:
        """The whole body, or None when it was refused (or the client left)."""
        limit = self.max_body_bytes(scope)
        too_large = f"The request body is larger than {limit} bytes."
        declared = _header(scope, b"content-length")
        if declared is not None:
            if not declared.isdigit():
                await send_error(send, 400, "The Content-Length header is not a number.")
                return None
            if int(declared) > limit:
                await send_error(send, 413, too_large)
                return None
        seconds = self.body_read_timeout(scope)
        chunks: list[bytes] = []
        size = 0
        try:
            # One deadline for the whole body, not per chunk: a byte every few seconds
            # would renew a per-chunk one forever.
            async with asyncio.timeout(seconds):
                while True:
                    message = await receive()
                    if message["type"] == "http.disconnect":
                        return None
                    chunk = message.get("body", b"")
                    size += len(chunk)
                    if size > limit:
                        await send_error(send, 413, too_large)
                        return None
                    chunks.append(chunk)
                    if not message.get("more_body", False):
                        return b"".join(chunks)
        except TimeoutError:
            too_slow = f"The request body did not arrive within {seconds:g} seconds."
            # Close the connection: what is still on its way would be read as a request.
            await send_error(send, 408, too_slow, [(b"connection", b"close")])
            return None


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope["headers"]:
        if key.lower() == name:
            return str(value.decode("latin-1").strip())
    return None


def _is_json(scope: Scope) -> bool:
    return "application/json" in (_header(scope, b"content-type") or "").lower()


def _replay(body: bytes, receive: Receive) -> Receive:
    sent = False

    async def replay() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replay
