"""The production worker freezes what start-up built, once it has started (web/worker.py)."""

from __future__ import annotations

import gc
import socket
from collections.abc import Iterator

import pytest
from starlette.applications import Starlette
from uvicorn import Config

from web.worker import DrainingServer


@pytest.fixture
def listener() -> Iterator[socket.socket]:
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    try:
        yield sock
    finally:
        sock.close()
        # The test process must not keep its objects out of the collector's sight.
        gc.unfreeze()


async def test_the_heap_is_frozen_after_start_up(listener: socket.socket) -> None:
    # given nothing frozen, and a worker's server for an app
    gc.unfreeze()
    assert gc.get_freeze_count() == 0
    config = Config(Starlette(), lifespan="off", log_level="warning")
    config.load()
    server = DrainingServer(config)
    # (what uvicorn's Server.serve sets up before starting)
    server.lifespan = config.lifespan_class(config)
    # when it starts
    await server.startup(sockets=[listener])
    try:
        # then what start-up built is out of the collector's sight
        assert server.started
        assert gc.get_freeze_count() > 10_000
    finally:
        await server.shutdown()
