"""Write units of work: one transaction each, retried when the database picked it as a loser."""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Awaitable, Callable
from typing import TypeVar

from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncSession

from db.engine import SessionFactory
from db.errors import TransactionRetriesExhausted, is_retryable

__all__ = ["TransactionRetriesExhausted", "is_retryable", "run_in_transaction"]

T = TypeVar("T")
log = logging.getLogger(__name__)


async def run_in_transaction(
    sessions: SessionFactory,
    work: Callable[[AsyncSession], Awaitable[T]],
    *,
    retries: int = 3,
) -> T:
    """Run `work` in one transaction; commit on success, roll back on any error.

    `work` must be safe to run again from the start: on a deadlock everything it
    did was rolled back.
    """
    attempt = 0
    while True:
        try:
            async with sessions.begin() as session:
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
