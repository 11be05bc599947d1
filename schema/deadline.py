"""The operation timeout: an operation that runs too long is cancelled and answered at once.

The operation runs in its own task. At the deadline the task is cancelled and the client
gets SERVICE_UNAVAILABLE straight away: the code says "retry later", which is what a
client can do about an operation that was stuck (typically on a lock or a slow database).
Cancelling the task unwinds the open transaction, which is rolled back, never committed;
when the driver is blocked in a call that cannot be interrupted (SQLite waiting for a
lock in its thread), the rollback follows as soon as that call returns, and the client
does not wait for it.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Coroutine
from typing import Any

from graphql import GraphQLError
from strawberry.types import ExecutionResult

from resolvers.errors import AppError, ErrorCode

log = logging.getLogger(__name__)

# Cancelled operations still unwinding; kept referenced so they are not collected midway.
_unwinding: set[asyncio.Task[Any]] = set()


def timed_out(seconds: float) -> GraphQLError:
    reason = AppError(
        ErrorCode.SERVICE_UNAVAILABLE,
        f"The operation timed out after {seconds:g} s and was cancelled; "
        "anything it had not committed was rolled back. Retry later.",
        timeoutSeconds=seconds,
    )
    return GraphQLError(reason.message, original_error=reason, extensions=reason.extensions)


async def run_with_deadline(
    operation: Coroutine[Any, Any, ExecutionResult], seconds: float
) -> ExecutionResult:
    task = asyncio.ensure_future(operation)
    try:
        done, _ = await asyncio.wait({task}, timeout=seconds)
    except asyncio.CancelledError:
        # The client went away: the operation goes too.
        task.cancel()
        raise
    if done:
        return task.result()
    task.cancel()
    _unwinding.add(task)
    task.add_done_callback(_unwound)
    log.warning("operation cancelled after %gs", seconds)
    return ExecutionResult(data=None, errors=[timed_out(seconds)])


def _unwound(task: asyncio.Task[Any]) -> None:
    _unwinding.discard(task)
    if not task.cancelled() and task.exception() is not None:
        log.warning("cancelled operation ended with %r", task.exception())


async def drain_cancelled(seconds: float) -> int:
    """Wait (at most `seconds`) for cancelled operations to finish unwinding.

    Called before the engine is disposed, so their rollbacks still have a connection.
    Returns how many were still unwinding when the wait ended.
    """
    if _unwinding:
        await asyncio.wait(set(_unwinding), timeout=seconds)
    return len(_unwinding)
