"""Reading, changing and deleting a caller's own objects.

Another user's object and a missing one look the same: None on reads, NOT_FOUND on writes.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from datetime import UTC, datetime
from typing import Any, TypeVar

from sqlalchemy import delete, exists, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from auth.tokens import Claims
from models import RefBook, RefData, SystemInfo, User
from resolvers import rows
from resolvers.context import Context
from resolvers.errors import AppError, not_found, unauthenticated
from resolvers.ids import pk_of
from resolvers.pagination import Page, PageArgs, paginate
from resolvers.writes import write

M = TypeVar("M")
ROW_OF: dict[Any, type[Any]] = {
    RefBook: rows.RefBookRow,
    RefData: rows.RefDataRow,
    SystemInfo: rows.SystemInfoRow,
}


def _token_current(claims: Claims) -> Any:
    """Whether the token's user still has the token's version: a column for the caller's reads,
    so the revocation check rides along in their statement instead of a lookup of its own."""
    return exists(
        select(col(User.id)).where(
            col(User.id) == claims.user_id, col(User.token_version) == claims.version
        )
    ).label("current")


async def get_owned(ctx: Context, model: type[M], type_name: str, global_id: str) -> M | None:
    """The caller's object, the token check folded in; only a miss looks the caller up, so a
    revoked token is UNAUTHENTICATED and a missing or foreign object None, as before."""
    claims = ctx.require_claims()
    pk = pk_of(global_id, type_name)
    found = None
    if pk is not None:
        table: Any = model
        stmt = select(model, _token_current(claims)).where(
            col(table.id) == pk, col(table.user_id) == claims.user_id
        )
        async with ctx.reads() as session:
            found = (await session.execute(stmt)).first()
    if found is None:
        await ctx.require_caller()
        return None
    if not found[1]:
        raise unauthenticated()
    ctx.verified(claims.user_id)
    return found[0]


async def fetch_owned(
    session: AsyncSession, model: type[M], pk: int, user_id: int | None, lock: bool = False
) -> M | None:
    table: Any = model
    stmt = select(model).where(col(table.id) == pk, col(table.user_id) == user_id)
    if lock:
        stmt = stmt.with_for_update()
    return (await session.execute(stmt)).scalar_one_or_none()


async def page_owned(ctx: Context, model: Any, args: PageArgs) -> Page[Any]:
    """The caller's page, with the token's revocation check folded into the page's statement.

    Looking the caller up first cost a round trip and an ORM object on every page. Instead
    the page filters on the token's user id and carries whether that user still has the
    token's version (an uncorrelated EXISTS). Only an empty page, or bad arguments, look the
    caller up, so a revoked token still answers UNAUTHENTICATED and nothing else.
    """
    claims = ctx.require_claims()
    row_type = ROW_OF[model]
    current = _token_current(claims)
    try:
        page = await paginate(
            ctx.reads,
            model,
            [col(model.user_id) == claims.user_id],
            args,
            [*rows.columns(row_type), current],
        )
    except AppError:
        await ctx.require_caller()
        raise
    if not page.rows:
        await ctx.require_caller()
    elif not page.rows[0][-1]:
        raise unauthenticated()
    else:
        ctx.verified(claims.user_id)
    page.rows = [row_type._make(row[:-1]) for row in page.rows]
    return page


def owned_pk(global_id: str, type_name: str, what: str) -> int:
    pk = pk_of(global_id, type_name)
    if pk is None:
        raise not_found(what)
    return pk


async def update_owned(
    ctx: Context,
    model: type[M],
    type_name: str,
    what: str,
    global_id: str,
    changes: Mapping[str, Any],
    also: Callable[[AsyncSession, M], Awaitable[None]] | None = None,
) -> M:
    """Apply `changes` to the caller's object (locked) and run `also` in the same transaction."""
    caller = await ctx.require_caller()
    pk = owned_pk(global_id, type_name, what)

    async def change(session: AsyncSession) -> M:
        obj = await fetch_owned(session, model, pk, caller.id, lock=True)
        if obj is None:
            raise not_found(what)
        for name, value in changes.items():
            setattr(obj, name, value)
        obj.updated_at = datetime.now(UTC)  # type: ignore[attr-defined]
        if also is not None:
            await also(session, obj)
        return obj

    return await write(ctx, change)


async def delete_owned(ctx: Context, model: Any, type_name: str, what: str, global_id: str) -> str:
    caller = await ctx.require_caller()
    pk = owned_pk(global_id, type_name, what)

    async def remove(session: AsyncSession) -> int:
        result = await session.execute(
            delete(model).where(col(model.id) == pk, col(model.user_id) == caller.id)
        )
        return int(result.rowcount)  # type: ignore[attr-defined]

    if await write(ctx, remove) != 1:
        raise not_found(what)
    return global_id
