"""One read connection per request, lent to one user at a time.

Every pooled session used to cost round trips of its own: a pre-ping on checkout and a
rollback on return. A request that read through a session per statement (the caller, the
page, each loader batch) paid them for every statement; sharing one session paid them once.
Now the read pool needs neither (db/engine.py, db/liveness.py), and one connection per
request still keeps the request's reads from taking several.

Reads are Core statements that return rows, so they run on an AsyncConnection, not an ORM
AsyncSession: the session's transaction bookkeeping, ORM compile step and close cost
~0.07 ms a request on MariaDB, for nothing a read uses.

Sibling fields resolve concurrently and a connection serves one of them at a time, so users
take turns through a lock; a task that already holds the connection may enter again.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import Protocol, TypeAlias

from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from db.engine import SessionFactory

# What a statement runs on: a write's session, or a request's read connection.
Statements: TypeAlias = AsyncSession | AsyncConnection


class ReadConnections(Protocol):
    """Anything that lends a connection for reading: `async with reads() as connection`."""

    def __call__(self) -> AbstractAsyncContextManager[AsyncConnection]: ...


class SharedReadConnection:
    def __init__(self, sessions: SessionFactory) -> None:
        # On MySQL an autocommit pool of its own (db/engine.py `create_read_engine`).
        self._engine = sessions.read_engine
        self._connection: AsyncConnection | None = None
        self._lock = asyncio.Lock()
        self._holder: asyncio.Task[object] | None = None
        # Set by the request's last `end`: a straggler (a loader batch still running after
        # its operation was cancelled) gives its connection back at once.
        self._closed = False

    @asynccontextmanager
    async def __call__(self) -> AsyncIterator[AsyncConnection]:
        task = asyncio.current_task()
        if task is not None and task is self._holder and self._connection is not None:
            yield self._connection
            return
        async with self._lock:
            self._holder = task
            try:
                if self._connection is None:
                    self._connection = await self._engine.connect()
                connection = self._connection
                try:
                    yield connection
                except BaseException:
                    # A failed or cancelled statement leaves the transaction unusable: start
                    # over on a new connection.
                    self._connection = None
                    await asyncio.shield(connection.close())
                    raise
                if self._closed:
                    self._connection = None
                    await connection.close()
            finally:
                self._holder = None

    async def end(self, *, final: bool = False) -> None:
        """Give the connection back; the next read starts a new transaction (and snapshot).

        Called before every write, so a request never holds two connections and reads after
        the write see it, and (`final`) when the request is done. Through the lock, also
        when no connection is held yet: a reader may be opening one.
        """
        if self._holder is not None and self._holder is asyncio.current_task():
            raise RuntimeError("end() inside the task's own read would wait for itself")
        async with self._lock:
            self._closed = self._closed or final
            connection, self._connection = self._connection, None
            if connection is not None:
                await connection.close()
