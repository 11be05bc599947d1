"""Public scripts: everyone reads them, admins write them (the permission sits on the field)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import delete as sql_delete
from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from models import PublicScript, Script
from resolvers import rows
from resolvers.context import Context
from resolvers.errors import not_found
from resolvers.ids import PUBLIC_SCRIPT, pk_of
from resolvers.pagination import Page, PageArgs, paginate
from resolvers.rows import PublicScriptRow, ScriptRow
from resolvers.validation import FieldErrors, check_changes
from resolvers.writes import write

WHAT = "PublicScript"
NAME_LIMIT = 100
DESCRIPTION_LIMIT = 2000
SCRIPT_LIMIT = 3000
MAX_SCRIPTS = 10


def _check(errors: FieldErrors, values: Mapping[str, Any]) -> None:
    if values.get("name") is not None:
        errors.text("name", values["name"], 1, NAME_LIMIT)
    if values.get("description") is not None:
        errors.text("description", values["description"], 1, DESCRIPTION_LIMIT)
    scripts = values.get("scripts")
    if scripts is not None:
        if not 1 <= len(scripts) <= MAX_SCRIPTS:
            errors.add("scripts", f"Give 1 to {MAX_SCRIPTS} scripts.")
        for number, text in enumerate(scripts, start=1):
            if not text.strip():
                errors.add("scripts", f"Script {number} must not be empty.")
            elif len(text) > SCRIPT_LIMIT:
                errors.add("scripts", f"Script {number} has more than {SCRIPT_LIMIT} characters.")


async def _write_scripts(
    session: AsyncSession, public_script_id: int, texts: Sequence[str]
) -> None:
    await session.execute(
        insert(Script),
        [
            {"public_script_id": public_script_id, "number": number, "text": text}
            for number, text in enumerate(texts, start=1)
        ],
    )


async def create(ctx: Context, name: str, description: str, scripts: Sequence[str]) -> PublicScript:
    caller = await ctx.require_caller()
    errors = FieldErrors()
    _check(errors, {"name": name, "description": description, "scripts": scripts})
    errors.raise_if_any()

    async def insert_all(session: AsyncSession) -> PublicScript:
        public_script = PublicScript(user_id=caller.id, name=name, description=description)
        session.add(public_script)
        await session.flush()
        assert public_script.id is not None
        await _write_scripts(session, public_script.id, scripts)
        return public_script

    return await write(ctx, insert_all)


async def update(ctx: Context, global_id: str, changes: Mapping[str, Any]) -> PublicScript:
    errors = FieldErrors()
    check_changes(changes, {"name", "description", "scripts"}, errors)
    _check(errors, changes)
    errors.raise_if_any()
    pk = pk_of(global_id, PUBLIC_SCRIPT)
    if pk is None:
        raise not_found(WHAT)

    async def change(session: AsyncSession) -> PublicScript:
        stmt = select(PublicScript).where(col(PublicScript.id) == pk).with_for_update()
        public_script = (await session.execute(stmt)).scalar_one_or_none()
        if public_script is None:
            raise not_found(WHAT)
        for name in ("name", "description"):
            if name in changes:
                setattr(public_script, name, changes[name])
        public_script.updated_at = datetime.now(UTC)
        if "scripts" in changes:
            await session.execute(sql_delete(Script).where(col(Script.public_script_id) == pk))
            await _write_scripts(session, pk, changes["scripts"])
        return public_script

    return await write(ctx, change)


async def delete(ctx: Context, global_id: str) -> str:
    pk = pk_of(global_id, PUBLIC_SCRIPT)

    async def remove(session: AsyncSession) -> int:
        result = await session.execute(sql_delete(PublicScript).where(col(PublicScript.id) == pk))
        return int(result.rowcount)  # type: ignore[attr-defined]

    if pk is None or await write(ctx, remove) != 1:
        raise not_found(WHAT)
    return global_id


async def get(ctx: Context, global_id: str) -> PublicScript | None:
    pk = pk_of(global_id, PUBLIC_SCRIPT)
    if pk is None:
        return None
    async with ctx.reads() as session:
        return await session.get(PublicScript, pk)


async def page(ctx: Context, args: PageArgs) -> Page[PublicScriptRow]:
    found = await paginate(ctx.reads, PublicScript, [], args, rows.columns(PublicScriptRow))
    found.rows = rows.build(PublicScriptRow, found.rows)
    return found


async def scripts(ctx: Context, public_script: PublicScript | PublicScriptRow) -> list[ScriptRow]:
    return await ctx.loaders.scripts_by_public_script_id.load(public_script.id)
