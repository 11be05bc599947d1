"""The gunicorn worker class of the production command (docker/gunicorn.conf.py)."""

from __future__ import annotations

import socket
from collections.abc import Iterable
from typing import Any

from uvicorn_worker import UvicornWorker


def set_nodelay(listeners: Iterable[Any]) -> None:
    """TCP_NODELAY on the listening sockets; Linux hands it on to every accepted socket.

    asyncio sets it only on sockets whose `proto` is IPPROTO_TCP, which gunicorn's are not;
    without it each kept-alive response waited ~40 ms for a delayed ACK (PITFALLS).
    """
    for listener in listeners:
        if listener.family in (socket.AF_INET, socket.AF_INET6):
            listener.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)


class AppWorker(UvicornWorker):
    # asyncio, never uvloop: aiomysql under uvloop does not recover a dropped connection.
    # lifespan "on": a failing startup stops the worker instead of serving without it.
    # No uvicorn access log: web.requests writes one line per request with more in it.
    CONFIG_KWARGS = {"loop": "asyncio", "http": "httptools", "lifespan": "on", "access_log": False}

    def run(self) -> None:
        set_nodelay(self.sockets)
        super().run()
