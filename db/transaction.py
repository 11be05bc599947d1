"""Write units of work: one transaction each, retried when the database picked it as a loser."""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import logging
import os
import random
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from contextlib import AbstractAsyncContextManager
from typing import Any, TypeVar
from weakref import WeakKeyDictionary

from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from db.engine import SQLITE_IMMEDIATE, SessionFactory
from db.errors import TransactionRetriesExhausted, is_retryable

__all__ = ["TransactionRetriesExhausted", "is_retryable", "run_in_transaction", "writer_queue"]

T = TypeVar("T")
log = logging.getLogger(__name__)


# SQLite has one writer at a time. Writers of this process queue on an asyncio lock, in
# order, instead of each spinning in busy_timeout on the database lock (a tail of seconds
# under 16 at once). The head of each worker's queue then takes a lock file the workers
# share: the kernel wakes the next writer the moment the last one commits, where SQLite's
# busy handler sleeps in steps of up to 100 ms (a p99 of 560 ms for 16 writers on 2 workers).
_sqlite_writers: WeakKeyDictionary[Any, _SqliteWriters] = WeakKeyDictionary()


class _SqliteWriters:
    def __init__(self, lock_path: str | None) -> None:
        self._queue = asyncio.Lock()
        self._lock_path = lock_path
        self._fd: int | None = None

    async def __aenter__(self) -> None:
        await self._queue.acquire()
        try:
            if self._lock_path is not None:
                self._fd = await _lock_file(self._lock_path)
        except BaseException:
            self._queue.release()
            raise

    async def __aexit__(self, *_exc: object) -> None:
        fd, self._fd = self._fd, None
        try:
            if fd is not None:
                os.close(fd)  # closing the file releases its lock
        finally:
            self._queue.release()


# Its own thread: a writer's wait never queues behind password hashing in the default pool.
# One is enough, as only the head of this process's queue (or a cancelled one) waits.
_LOCK_WAITS = ThreadPoolExecutor(max_workers=1, thread_name_prefix="sqlite-writer-lock")


async def _lock_file(path: str) -> int:
    """An open descriptor of `path` holding its exclusive flock.

    Each write opens the file anew: flock belongs to the open file, so a descriptor left to
    a cancelled wait can never release a later writer's lock.
    """
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        return fd
    except BlockingIOError:
        pass
    except BaseException:
        os.close(fd)
        raise
    # Another worker writes: wait in a thread, which the kernel wakes at its unlock.
    loop = asyncio.get_running_loop()
    waiting = loop.run_in_executor(_LOCK_WAITS, fcntl.flock, fd, fcntl.LOCK_EX)
    try:
        await asyncio.shield(waiting)
    except BaseException:
        # Cancelled (or failed): the thread may still get the lock; the file closes then.
        waiting.add_done_callback(lambda _done: os.close(fd))
        raise
    return fd


def _lock_path(engine: AsyncEngine) -> str | None:
    database = engine.url.database
    if not database or database == ":memory:" or database.startswith("file:"):
        return None
    # One file however the workers spell the path (relative, absolute, through a link).
    return f"{os.path.realpath(database)}-writers.lock"


def writer_queue(engine: AsyncEngine | None) -> AbstractAsyncContextManager[Any]:
    """Where writers to `engine` wait their turn (nothing to wait for on a server database,
    whose row locks serialize only what conflicts)."""
    if engine is None or engine.dialect.name != "sqlite":
        return contextlib.nullcontext()
    key = engine.sync_engine
    writers = _sqlite_writers.get(key)
    if writers is None:
        writers = _sqlite_writers[key] = _SqliteWriters(_lock_path(engine))
    return writers


async def run_in_transaction(
    sessions: SessionFactory,
    work: Callable[[AsyncSession], Awaitable[T]],
    *,
    retries: int = 3,
) -> T:
    """Run `work` in one transaction; commit on success, roll back on any error.

    `work` must be safe to run again from the start: on a deadlock everything it
    did was rolled back. On SQLite the transaction holds the write lock from its start
    (db.engine.SQLITE_IMMEDIATE).
    """
    attempt = 0
    while True:
        try:
            async with writer_queue(sessions.kw.get("bind")), sessions.begin() as session:
                await session.connection(execution_options={SQLITE_IMMEDIATE: True})
                result = await work(session)
                # Flush here rather than in the commit on leaving the block: SQLAlchemy
                # shields that commit from cancellation, so the writes of an operation
                # cancelled at its deadline (schema.deadline) would still be made.
                await session.flush()
                return result
        except DBAPIError as error:
            if not is_retryable(error):
                raise
            if attempt >= retries:
                raise TransactionRetriesExhausted() from error
            attempt += 1
            log.warning("transaction retry %d after %s", attempt, error.orig)
            await asyncio.sleep(random.uniform(0.005, 0.02) * attempt)
