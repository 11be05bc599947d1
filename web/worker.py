"""The gunicorn worker class of the production command (docker/gunicorn.conf.py)."""

from __future__ import annotations

import asyncio
import gc
import socket
import sys
from collections.abc import Iterable
from typing import Any

from gunicorn.arbiter import Arbiter
from uvicorn.server import Server
from uvicorn_worker import UvicornWorker


def set_nodelay(listeners: Iterable[Any]) -> None:
    """TCP_NODELAY on the listening sockets; Linux hands it on to every accepted socket.

    asyncio sets it only on sockets whose `proto` is IPPROTO_TCP, which gunicorn's are not;
    without it each kept-alive response waited ~40 ms for a delayed ACK
    (docs/operations.md "Production").
    """
    for listener in listeners:
        if listener.family in (socket.AF_INET, socket.AF_INET6):
            listener.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)


def settle_heap() -> None:
    """Once the app has started, what start-up built (modules, the schema, the engine: some
    135,000 objects) stays for the worker's life: out of the collector's sight with it.

    Measured in-process at 16 concurrent requests (bench/gc_tail.py, docs/performance.md):
    every full collection walked those objects, pausing the whole worker for 60-165 ms;
    frozen, the longest pause was 11-41 ms and the collector's CPU per request about halved.
    Raising the collection thresholds as well saved a little more CPU but made single
    pauses longer and the p99 no better, so the defaults stay.
    """
    gc.collect()
    gc.freeze()


class DrainingServer(Server):
    """uvicorn's Server, whose graceful shutdown also reaches late connections.

    uvicorn tells the connections it knows to finish their current response and close,
    once. A connection accepted just before the listener closed is registered a moment
    later and never told: a client that keeps sending on it holds the worker until
    gunicorn kills it at graceful_timeout, cutting off the request it is serving. Telling
    every open connection again while waiting closes those too.
    """

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        await super().startup(sockets=sockets)
        if self.started:
            settle_heap()

    async def _wait_tasks_to_complete(self) -> None:
        while self.server_state.connections and not self.force_exit:
            for connection in list(self.server_state.connections):
                connection.shutdown()
            await asyncio.sleep(0.1)
        await super()._wait_tasks_to_complete()


class AppWorker(UvicornWorker):
    # asyncio, never uvloop: aiomysql under uvloop does not recover a dropped connection.
    # lifespan "on": a failing startup stops the worker instead of serving without it.
    # No uvicorn access log: web.requests writes one line per request with more in it.
    # httptools with the request head limits and deadlines uvicorn lacks (web.protocol).
    CONFIG_KWARGS = {
        "loop": "asyncio",
        "http": "web.protocol:BoundedHttpToolsProtocol",
        "lifespan": "on",
        "access_log": False,
    }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Cancel requests still running shortly before gunicorn would SIGKILL the worker,
        # so the lifespan shutdown (disposing the engine) still runs.
        self.config.timeout_graceful_shutdown = max(1, self.cfg.graceful_timeout - 2)

    def run(self) -> None:
        set_nodelay(self.sockets)
        super().run()

    async def _serve(self) -> None:
        self.config.app = self.wsgi
        server = DrainingServer(config=self.config)
        self._install_sigquit_handler()
        await server.serve(sockets=self.sockets)
        if not server.started:
            sys.exit(Arbiter.WORKER_BOOT_ERROR)
