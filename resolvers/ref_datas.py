"""A user's reference materials; the long text lives in ref_data_content."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import update as sql_update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from models import RefData, RefDataContent
from resolvers.context import Context
from resolvers.ids import REF_DATA
from resolvers.owned import delete_owned, get_owned, page_owned, update_owned
from resolvers.pagination import Page, PageArgs
from resolvers.validation import FieldErrors, check_changes
from resolvers.writes import write

WHAT = "RefData"
TITLE_LIMIT = 100
CONTENT_LIMIT = 3000


def _check(errors: FieldErrors, values: Mapping[str, Any]) -> None:
    if "title" in values:
        errors.text("title", values["title"], 1, TITLE_LIMIT)
    if "content" in values:
        errors.text("content", values["content"], 1, CONTENT_LIMIT)


async def create(ctx: Context, title: str, content: str) -> RefData:
    caller = await ctx.require_caller()
    errors = FieldErrors()
    _check(errors, {"title": title, "content": content})
    errors.raise_if_any()

    async def insert(session: AsyncSession) -> RefData:
        material = RefData(user_id=caller.id, title=title)  # type: ignore[arg-type]
        session.add(material)
        await session.flush()
        assert material.id is not None
        session.add(RefDataContent(ref_data_id=material.id, text=content))
        return material

    material = await write(ctx, insert)
    assert material.id is not None
    # The caller may select `content` right away: answer it without another query.
    ctx.loaders.content_by_ref_data_id.prime(material.id, content)
    return material


async def update(ctx: Context, global_id: str, changes: Mapping[str, Any]) -> RefData:
    errors = FieldErrors()
    check_changes(changes, {"title", "content"}, errors)
    _check(errors, {k: v for k, v in changes.items() if v is not None})
    errors.raise_if_any()
    content = changes.get("content")
    columns = {k: v for k, v in changes.items() if k != "content"}
    material = await update_owned(
        ctx,
        RefData,
        REF_DATA,
        WHAT,
        global_id,
        columns,
        also=_replace_content(content) if content is not None else None,
    )
    if content is not None:
        assert material.id is not None
        ctx.loaders.content_by_ref_data_id.clear(material.id).prime(material.id, content)
    return material


def _replace_content(content: str) -> Any:
    async def replace(session: AsyncSession, material: RefData) -> None:
        await session.execute(
            sql_update(RefDataContent)
            .where(col(RefDataContent.ref_data_id) == material.id)
            .values(text=content)
        )

    return replace


async def delete(ctx: Context, global_id: str) -> str:
    return await delete_owned(ctx, RefData, REF_DATA, WHAT, global_id)


async def get(ctx: Context, global_id: str) -> RefData | None:
    return await get_owned(ctx, RefData, REF_DATA, global_id)


async def page(ctx: Context, args: PageArgs) -> Page[RefData]:
    return await page_owned(ctx, RefData, args)
