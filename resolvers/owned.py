"""Reading, changing and deleting a caller's own objects.

Another user's object and a missing one look the same: None on reads, NOT_FOUND on writes.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from datetime import UTC, datetime
from typing import Any, TypeVar

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from models import RefBook, RefData, SystemInfo
from resolvers import rows
from resolvers.context import Context
from resolvers.errors import not_found
from resolvers.ids import pk_of
from resolvers.pagination import Page, PageArgs, paginate
from resolvers.writes import write

M = TypeVar("M")
ROW_OF: dict[Any, type[Any]] = {
    RefBook: rows.RefBookRow,
    RefData: rows.RefDataRow,
    SystemInfo: rows.SystemInfoRow,
}


async def get_owned(ctx: Context, model: type[M], type_name: str, global_id: str) -> M | None:
    caller = await ctx.require_caller()
    pk = pk_of(global_id, type_name)
    if pk is None:
        return None
    async with ctx.reads() as session:
        return await fetch_owned(session, model, pk, caller.id)


async def fetch_owned(
    session: AsyncSession, model: type[M], pk: int, user_id: int | None, lock: bool = False
) -> M | None:
    table: Any = model
    stmt = select(model).where(col(table.id) == pk, col(table.user_id) == user_id)
    if lock:
        stmt = stmt.with_for_update()
    return (await session.execute(stmt)).scalar_one_or_none()


async def page_owned(ctx: Context, model: Any, args: PageArgs) -> Page[Any]:
    caller = await ctx.require_caller()
    row_type = ROW_OF[model]
    page = await paginate(
        ctx.reads, model, [col(model.user_id) == caller.id], args, rows.columns(row_type)
    )
    page.rows = rows.build(row_type, page.rows)
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
