"""Which pooled connections are pinged before they are lent: only those that may be dead.

`pool_pre_ping` pings every connection on every checkout: a round trip per request that, on
a small machine, wakes the database and the worker in turn (a profile put a third of a
worker's samples in socket writes). A pooled connection the server has dropped is almost
always one the server closed: on a restart, a crash, `KILL`, `wait_timeout` or a proxy's idle
timeout the server's side closes the socket, and the event loop reads that end of stream (or
a last error packet) while the connection sits in the pool. So a connection is checked
without any round trip for that, as aiomysql's own pool does (aiomysql/pool.py,
`_fill_free_pool`), and pinged only when it has been idle for `ping_after_idle` seconds,
where a silent drop (a firewall forgetting the flow) becomes possible. A connection found
dead is replaced before it is lent: `DisconnectionError` makes the pool reconnect (up to
twice), as the pre-ping did.

What this gives up: a server that dies after the check and before the statement fails that
statement, exactly as with a pre-ping (between ping and statement); the request answers
SERVICE_UNAVAILABLE, and the disconnect invalidates the pool's older connections.
"""

from __future__ import annotations

import time
from typing import Any

from sqlalchemy import event
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.ext.asyncio import AsyncEngine

_USED_AT = "gpts_used_at"


def server_hung_up(driver_connection: Any) -> bool | None:
    """Whether the event loop has already seen the server end this connection; None when
    the driver's connection cannot tell (then it is pinged on every checkout)."""
    reader = getattr(driver_connection, "_reader", None)
    if reader is None:
        return True if getattr(driver_connection, "closed", None) is True else None
    # aiomysql's reader: EOF, a reset, or an end of stream after a last (error) packet.
    return bool(
        reader.at_eof() or reader.exception() is not None or getattr(reader, "eof_received", False)
    )


def watch_liveness(engine: AsyncEngine, ping_after_idle: float) -> None:
    """Replace `pool_pre_ping` on `engine`: see the module docstring."""
    dialect = engine.dialect
    # Pool events registered on the engine move to the new pool when the engine is disposed.
    target = engine.sync_engine

    def used(_dbapi_connection: Any, record: Any) -> None:
        record.info[_USED_AT] = time.monotonic()

    def check(dbapi_connection: Any, record: Any, proxy: Any) -> None:
        hung_up = server_hung_up(proxy.driver_connection)
        if hung_up:
            raise DisconnectionError("the server closed this connection while it was pooled")
        idle = time.monotonic() - record.info.get(_USED_AT, 0.0)
        if hung_up is not None and idle < ping_after_idle:
            return
        try:
            dialect.do_ping(dbapi_connection)
        except dialect.loaded_dbapi.Error as error:
            if dialect.is_disconnect(error, dbapi_connection, None):
                raise DisconnectionError(f"ping failed: {error!r}") from error
            raise

    event.listen(target, "connect", used)
    event.listen(target, "checkin", used)
    event.listen(target, "checkout", check)
