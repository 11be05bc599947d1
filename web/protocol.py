"""The HTTP/1.1 protocol the service is served with: uvicorn's httptools one, with the limits
uvicorn does not have.

- A request head (request line and headers) over 64 KiB is refused with 431, counted as the
  bytes arrive, so an endless header is cut off after one read past the limit rather than
  buffered whole.
- A request line whose target is over 8 KiB is refused with 414. httptools keeps URL offsets
  in 16 bits: a target over 64 KiB was silently parsed into a different path and query.
- A head that has not arrived HEADER_READ_TIMEOUT_SECONDS after the connection opened (on a
  kept-alive connection: after the next request's first byte) is answered 408 and the
  connection closed; uvicorn only times out connections idle between requests. The body
  deadline (BODY_READ_TIMEOUT_SECONDS) is the app's (web.transport); here it only closes a
  connection that still trickles a body after its response was sent.
- A response the client stops reading is cut off: when what the client has not read stays
  above the transport's high-water mark (writing paused) for RESPONSE_WRITE_TIMEOUT_SECONDS,
  the connection is aborted, and the buffered answer freed with it. Without this a client
  that never reads held each answer (up to MAX_RESPONSE_BYTES) in the worker's memory for as
  long as it kept the socket open.

Every refusal has a GraphQL-shaped JSON body, like the app's own (web.transport).

Serve commands: the production worker (web.worker) and `make run` name this class
(`--http web.protocol:BoundedHttpToolsProtocol`). Plain `uvicorn main:app` picks uvicorn's own
protocol before it imports the app; `ServerHardening` swaps this one in when the lifespan
starts, before the server opens its sockets, and says so in a warning when it cannot.
"""

from __future__ import annotations

import asyncio
import functools
import http
import logging
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError
from starlette.types import ASGIApp, Receive, Scope, Send
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from settings import Settings, load_settings
from web.transport import CODES, error_body, send_error

log = logging.getLogger("gpt_supporter.protocol")

MAX_HEAD_BYTES = 64 * 1024
MAX_TARGET_BYTES = 8 * 1024
# What each header line adds besides its name and value: ": " and CRLF.
_HEADER_OVERHEAD = 4


@dataclass(frozen=True, slots=True)
class Deadlines:
    head_seconds: float
    body_seconds: float
    write_seconds: float


@functools.cache
def deadlines() -> Deadlines:
    """From the settings (the environment), read once per process."""
    try:
        settings = load_settings()
    except ValidationError:
        # The app refuses to start on these settings (web.startup); until then, the defaults.
        settings = Settings.model_construct()
    return Deadlines(
        settings.header_read_timeout_seconds,
        settings.body_read_timeout_seconds,
        settings.response_write_timeout_seconds,
    )


class _Refused(Exception):
    """Raised from a parser callback to stop parsing; the refusal is already recorded."""


class BoundedHttpToolsProtocol(HttpToolsProtocol):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._limits = deadlines()
        self._in_head = True
        self._head_bytes = 0  # raw bytes received while the head was incomplete
        self._header_bytes = 0  # header lines parsed so far
        self._refusal: tuple[int, str] | None = None
        self._head_timer: asyncio.TimerHandle | None = None
        self._body_timer: asyncio.TimerHandle | None = None
        self._write_timer: asyncio.TimerHandle | None = None

    # ---- connection -------------------------------------------------------------------

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._arm_head_timer()

    def connection_lost(self, exc: Exception | None) -> None:
        self._cancel_timers()
        super().connection_lost(exc)

    def pause_writing(self) -> None:
        super().pause_writing()
        if self._write_timer is None:
            seconds = self._limits.write_seconds
            self._write_timer = self.loop.call_later(seconds, self._not_reading)

    def resume_writing(self) -> None:
        self._cancel(self._write_timer)
        self._write_timer = None
        super().resume_writing()

    def data_received(self, data: bytes) -> None:
        if self._in_head:
            self._head_bytes += len(data)
        super().data_received(data)
        if (
            self._in_head
            and self._head_bytes > MAX_HEAD_BYTES
            and self.parser is not None
            and not self.transport.is_closing()
        ):
            self._refuse(431, f"The request head is larger than {MAX_HEAD_BYTES} bytes.")

    # ---- parser callbacks ---------------------------------------------------------------

    def on_message_begin(self) -> None:
        super().on_message_begin()
        self._in_head = True
        self._header_bytes = 0
        self._arm_head_timer()

    def on_url(self, url: bytes) -> None:
        super().on_url(url)
        if len(self.url) > MAX_TARGET_BYTES:
            self._refusal = (414, f"The request target is longer than {MAX_TARGET_BYTES} bytes.")
            raise _Refused

    def on_header(self, name: bytes, value: bytes) -> None:
        super().on_header(name, value)
        self._header_bytes += len(name) + len(value) + _HEADER_OVERHEAD
        if len(self.url) + self._header_bytes > MAX_HEAD_BYTES:
            self._refusal = (431, f"The request head is larger than {MAX_HEAD_BYTES} bytes.")
            raise _Refused

    def on_headers_complete(self) -> None:
        self._in_head = False
        self._head_bytes = 0
        self._cancel(self._head_timer)
        self._head_timer = None
        super().on_headers_complete()
        self._body_timer = self.loop.call_later(self._limits.body_seconds, self._body_too_slow)

    def on_message_complete(self) -> None:
        self._cancel(self._body_timer)
        self._body_timer = None
        super().on_message_complete()
        self._in_head = True
        self._head_bytes = 0

    # ---- refusals -----------------------------------------------------------------------

    def send_400_response(self, msg: str) -> None:
        """Every refusal of the parser's (uvicorn calls this one), with its own status."""
        status, message = self._refusal or (400, msg)
        self._refusal = None
        self._refuse(status, message)

    def _refuse(self, status: int, message: str) -> None:
        self._cancel_timers()
        if self.transport.is_closing():
            return
        body = error_body(message, CODES.get(status, "BAD_REQUEST"))
        lines = [f"HTTP/1.1 {status} {http.HTTPStatus(status).phrase}".encode()]
        lines += [name + b": " + value for name, value in self.server_state.default_headers]
        lines += [
            b"content-type: application/json",
            b"content-length: " + str(len(body)).encode(),
            b"connection: close",
        ]
        self.transport.write(b"\r\n".join(lines) + b"\r\n\r\n" + body)
        self.transport.close()

    def _head_too_slow(self) -> None:
        self._head_timer = None
        if self._in_head:
            seconds = self._limits.head_seconds
            self._refuse(408, f"The request head did not arrive within {seconds:g} seconds.")

    def _body_too_slow(self) -> None:
        """The app answered (or is answering) without the rest of the body, which still
        trickles in: nothing will read it, so the connection goes."""
        self._body_timer = None
        if self.cycle is not None and self.cycle.response_complete:
            self.transport.close()

    def _not_reading(self) -> None:
        self._write_timer = None
        log.warning(
            "client stopped reading its response for %gs: connection aborted",
            self._limits.write_seconds,
        )
        self.transport.abort()

    def _arm_head_timer(self) -> None:
        if self._head_timer is None:
            self._head_timer = self.loop.call_later(self._limits.head_seconds, self._head_too_slow)

    def _cancel_timers(self) -> None:
        self._cancel(self._head_timer)
        self._cancel(self._body_timer)
        self._cancel(self._write_timer)
        self._head_timer = self._body_timer = self._write_timer = None

    @staticmethod
    def _cancel(timer: asyncio.TimerHandle | None) -> None:
        if timer is not None:
            timer.cancel()


def _head_size(scope: Scope) -> tuple[int, int]:
    target = len(scope.get("raw_path") or b"") + len(scope.get("query_string") or b"")
    headers = sum(len(name) + len(value) + _HEADER_OVERHEAD for name, value in scope["headers"])
    return target, target + headers


class ServerHardening:
    """Makes plain `uvicorn main:app` serve with BoundedHttpToolsProtocol, and refuses what
    another server let through.

    uvicorn resolves its protocol class before importing the app, but builds each
    connection's protocol from `config.http_protocol_class` only after the lifespan started;
    the lifespan's `receive` belongs to uvicorn's lifespan object, which holds that config.
    Only uvicorn's own httptools class is replaced (what `--http auto` and `httptools` pick);
    any other choice is kept and named in a warning.

    On every request it also refuses a target over 8 KiB (414) and a head over 64 KiB (431):
    the protocol already did under every documented command, so this only matters on a
    server that did not (a target over 64 KiB on httptools is then already misparsed).
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            _harden(getattr(getattr(receive, "__self__", None), "config", None))
        elif scope["type"] == "http":
            target, head = _head_size(scope)
            if target > MAX_TARGET_BYTES:
                message = f"The request target is longer than {MAX_TARGET_BYTES} bytes."
                await send_error(send, 414, message, [(b"connection", b"close")])
                return
            if head > MAX_HEAD_BYTES:
                message = f"The request head is larger than {MAX_HEAD_BYTES} bytes."
                await send_error(send, 431, message, [(b"connection", b"close")])
                return
        await self.app(scope, receive, send)


def _harden(config: Any) -> None:
    chosen = getattr(config, "http_protocol_class", None)
    if isinstance(chosen, type) and issubclass(chosen, BoundedHttpToolsProtocol):
        return
    if chosen is HttpToolsProtocol:
        config.http_protocol_class = BoundedHttpToolsProtocol
        log.info("serving with web.protocol:BoundedHttpToolsProtocol (request head limits)")
        return
    log.warning(
        "serving without the request head limits and deadlines of web.protocol (protocol: %s); "
        "serve with `--http web.protocol:BoundedHttpToolsProtocol` (docs/operations.md)",
        getattr(chosen, "__qualname__", "unknown"),
    )
