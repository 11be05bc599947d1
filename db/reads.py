"""One read session per request, lent to one user at a time.

Every pooled session used to cost round trips of its own: a pre-ping on checkout and a
rollback on return. A request that read through a session per statement (the caller, the
page, each loader batch) paid them for every statement; sharing one session paid them once.
Now the read pool needs neither (db/engine.py, db/liveness.py), and one connection per
request still keeps the request's reads from taking several.
Sibling fields resolve concurrently and an AsyncSession serves one of them at a time, so
users take turns through a lock; a task that already holds the session may enter again.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import Protocol

from sqlalchemy.ext.asyncio import AsyncSession

from db.engine import SessionFactory


class ReadSessions(Protocol):
    """Anything that lends a session for reading: `async with reads() as session`."""

    def __call__(self) -> AbstractAsyncContextManager[AsyncSession]: ...


class SharedReadSession:
    def __init__(self, sessions: SessionFactory) -> None:
        # On MySQL an autocommit pool of its own (db/engine.py `create_read_engine`).
        self._sessions = sessions.reads
        self._session: AsyncSession | None = None
        self._lock = asyncio.Lock()
        self._holder: asyncio.Task[object] | None = None

    @asynccontextmanager
    async def __call__(self) -> AsyncIterator[AsyncSession]:
        task = asyncio.current_task()
        if task is not None and task is self._holder and self._session is not None:
            yield self._session
            return
        async with self._lock:
            self._holder = task
            if self._session is None:
                self._session = self._sessions()
            session = self._session
            try:
                yield session
            except BaseException:
                # A failed or cancelled statement leaves the transaction unusable: start over.
                self._session = None
                await asyncio.shield(session.close())
                raise
            finally:
                self._holder = None

    async def end(self) -> None:
        """Give the connection back; the next read starts a new transaction (and snapshot).

        Called before every write, so a request never holds two connections and reads after
        the write see it, and when the request is done.
        """
        if self._session is None:
            return
        async with self._lock:
            session, self._session = self._session, None
            if session is not None:
                await session.close()
