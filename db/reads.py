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
from contextlib import AbstractAsyncContextManager
from types import TracebackType
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

    def __call__(self) -> _Lease:
        return _Lease(self)

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


class _Lease:
    """One `async with reads() as connection`: the request's connection, lent to one task at
    a time (an async context manager class: a generator-based one cost ~10 calls a read)."""

    __slots__ = ("_connection", "_reentered", "_shared")

    def __init__(self, shared: SharedReadConnection) -> None:
        self._shared = shared
        self._reentered = False
        self._connection: AsyncConnection | None = None

    async def __aenter__(self) -> AsyncConnection:
        shared = self._shared
        task = asyncio.current_task()
        if task is not None and task is shared._holder and shared._connection is not None:
            # The task holding the connection reads again (a loader inside a read).
            self._reentered = True
            return shared._connection
        await shared._lock.acquire()
        try:
            shared._holder = task
            if shared._connection is None:
                shared._connection = await shared._engine.connect()
        except BaseException:
            shared._holder = None
            shared._lock.release()
            raise
        self._connection = shared._connection
        return self._connection

    async def __aexit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        if self._reentered:
            return
        shared, connection = self._shared, self._connection
        assert connection is not None
        try:
            if kind is not None:
                # A failed or cancelled statement leaves the transaction unusable: start
                # over on a new connection.
                shared._connection = None
                await asyncio.shield(connection.close())
            elif shared._closed:
                shared._connection = None
                await connection.close()
        finally:
            shared._holder = None
            shared._lock.release()
