"""Every write goes through here: one transaction, bounded deadlock retries, clear failure."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, TypeVar

from sqlalchemy.ext.asyncio import AsyncSession

from db.transaction import TransactionRetriesExhausted, run_in_transaction
from resolvers.errors import service_unavailable

if TYPE_CHECKING:
    from resolvers.context import Context

T = TypeVar("T")


async def write(ctx: Context, work: Callable[[AsyncSession], Awaitable[T]]) -> T:
    # One connection per request at a time, and reads after the write see it.
    await ctx.reads.end()
    try:
        result = await run_in_transaction(
            ctx.sessions, work, retries=ctx.services.settings.db_deadlock_retries
        )
    except TransactionRetriesExhausted as error:
        raise service_unavailable() from error
    # A later mutation of the same document must not see links or texts cached before it.
    ctx.loaders.forget()
    return result
