"""A user's reference books."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from models import RefBook
from resolvers.context import Context
from resolvers.ids import REF_BOOK
from resolvers.owned import delete_owned, get_owned, page_owned, update_owned
from resolvers.pagination import Page, PageArgs
from resolvers.validation import FieldErrors, check_changes
from resolvers.writes import write

WHAT = "RefBook"
TEXT_LIMIT = 100


def _check(errors: FieldErrors, values: Mapping[str, Any]) -> None:
    for name in ("author", "title"):
        if name in values:
            errors.text(name, values[name], 1, TEXT_LIMIT)


async def create(ctx: Context, author: str, title: str) -> RefBook:
    caller = await ctx.require_caller()
    errors = FieldErrors()
    _check(errors, {"author": author, "title": title})
    errors.raise_if_any()

    async def insert(session: AsyncSession) -> RefBook:
        book = RefBook(user_id=caller.id, author=author, title=title)  # type: ignore[arg-type]
        session.add(book)
        await session.flush()
        return book

    return await write(ctx, insert)


async def update(ctx: Context, global_id: str, changes: Mapping[str, Any]) -> RefBook:
    errors = FieldErrors()
    check_changes(changes, {"author", "title"}, errors)
    _check(errors, {k: v for k, v in changes.items() if v is not None})
    errors.raise_if_any()
    return await update_owned(ctx, RefBook, REF_BOOK, WHAT, global_id, changes)


async def delete(ctx: Context, global_id: str) -> str:
    return await delete_owned(ctx, RefBook, REF_BOOK, WHAT, global_id)


async def get(ctx: Context, global_id: str) -> RefBook | None:
    return await get_owned(ctx, RefBook, REF_BOOK, global_id)


async def page(ctx: Context, args: PageArgs) -> Page[RefBook]:
    return await page_owned(ctx, RefBook, args)
