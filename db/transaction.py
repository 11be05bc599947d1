"""Write units of work: one transaction each, retried when the database picked it as a loser."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
from collections.abc import Awaitable, Callable
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


# SQLite has one writer at a time. Writers of this process queue here, in order, instead of
# each spinning in busy_timeout on the database lock (a tail of seconds under 16 at once).
_sqlite_writers: WeakKeyDictionary[Any, asyncio.Lock] = WeakKeyDictionary()


def writer_queue(engine: AsyncEngine | None) -> AbstractAsyncContextManager[Any]:
    """Where this process's writers to `engine` wait their turn (nothing to wait for on a
    server database, whose row locks serialize only what conflicts)."""
    if engine is None or engine.dialect.name != "sqlite":
        return contextlib.nullcontext()
    key = engine.sync_engine
    if key not in _sqlite_writers:
        _sqlite_writers[key] = asyncio.Lock()
    return _sqlite_writers[key]


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
