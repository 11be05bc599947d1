"""SystemInfos: a user's profile with ordered links to their books and materials."""

from __future__ import annotations

from collections.abc import Awaitable, Mapping, Sequence
from typing import Any

from sqlalchemy import delete as sql_delete
from sqlalchemy import insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from models import Language, RefBook, RefData, SystemInfo, SystemInfoRefBook, SystemInfoRefData
from resolvers.context import Context
from resolvers.dialogue import Book, Material, render_dialogue
from resolvers.errors import bad_input
from resolvers.ids import REF_BOOK, REF_DATA, SYSTEM_INFO, pk_of
from resolvers.owned import delete_owned, get_owned, page_owned, update_owned
from resolvers.pagination import Page, PageArgs
from resolvers.rows import RefBookRow, RefDataRow, SystemInfoRow
from resolvers.rows import columns as row_columns
from resolvers.validation import FieldErrors, check_changes
from resolvers.writes import write

WHAT = "SystemInfo"
DEFAULT_DESCRIPTION = "No Description"
UNKNOWN_IDS = "Unknown ids, or not yours."
MAX_LINKS = 50
DESCRIPTION_LIMIT = 50
MAJOR_LIMIT = 50
REQUIRED = {
    "description",
    "language",
    "major",
    "understanding_level",
    "only_use_reference_data",
    "data_sequence",
    "ref_book_ids",
    "ref_data_ids",
}
# (input field, GraphQL field, target table, link table, link column, global id type, row)
_LINKS = (
    ("ref_book_ids", "refBookIds", RefBook, SystemInfoRefBook, "ref_book_id", REF_BOOK, RefBookRow),
    ("ref_data_ids", "refDataIds", RefData, SystemInfoRefData, "ref_data_id", REF_DATA, RefDataRow),
)
Linked = dict[str, list[Any]]


def _check(errors: FieldErrors, values: Mapping[str, Any]) -> None:
    if values.get("description") is not None:
        errors.text("description", values["description"], 0, DESCRIPTION_LIMIT)
    if values.get("major") is not None:
        errors.text("major", values["major"], 1, MAJOR_LIMIT)
    if values.get("understanding_level") is not None:
        errors.int_range("understandingLevel", values["understanding_level"], 1, 5)


def _link_pks(errors: FieldErrors, field: str, ids: Sequence[str], type_name: str) -> list[int]:
    """Decoded primary keys in the client's order; malformed or repeated ids are errors."""
    if len(ids) > MAX_LINKS:
        errors.add(field, f"At most {MAX_LINKS} ids.")
        return []
    pks: list[int] = []
    for global_id in ids:
        pk = pk_of(global_id, type_name)
        if pk is None:
            errors.add(field, f"Not a {type_name} id: {global_id!r}.")
            return []
        if pk in pks:
            errors.add(field, f"Repeated id: {global_id!r}.")
            return []
        pks.append(pk)
    return pks


def _parse_links(errors: FieldErrors, values: Mapping[str, Any]) -> dict[str, list[int]]:
    links: dict[str, list[int]] = {}
    for name, field, _model, _link, _column, type_name, _row in _LINKS:
        if name in values and values[name] is not None:
            links[name] = _link_pks(errors, field, values[name], type_name)
    return links


async def _replace_links(
    session: AsyncSession,
    system_info_id: int,
    user_id: int,
    links: Mapping[str, list[int]],
    replace: bool,
) -> Linked:
    """Link exactly the given objects in the given order, after checking they are the caller's.

    Returns the linked rows, in order, as this transaction wrote them.
    """
    errors = FieldErrors()
    linked: Linked = {}
    for name, field, model, link, column, _type_name, row_type in _LINKS:
        if name not in links:
            continue
        pks = links[name]
        if pks:
            found = await session.execute(
                select(*row_columns(row_type)).where(
                    col(model.id).in_(pks), col(model.user_id) == user_id
                )
            )
            rows: list[Any] = [row_type._make(row) for row in found.all()]
            owned = {row.id: row for row in rows}
            if any(pk not in owned for pk in pks):
                errors.add(field, UNKNOWN_IDS)
                continue
            linked[name] = [owned[pk] for pk in pks]
        else:
            linked[name] = []
        if replace:
            await session.execute(
                sql_delete(link).where(col(link.system_info_id) == system_info_id)
            )
        if pks:
            await session.execute(
                insert(link),
                [
                    {"system_info_id": system_info_id, column: pk, "position": position}
                    for position, pk in enumerate(pks)
                ],
            )
    # Raising rolls the whole transaction back: nothing of this write remains.
    errors.raise_if_any()
    return linked


def _answer_with_written_links(ctx: Context, system_info_id: int, linked: Linked) -> None:
    """The mutation answers with the links it wrote, even if another caller's write has
    replaced them since the commit (the loaders would otherwise read the newer list)."""
    loaders = {
        "ref_book_ids": ctx.loaders.ref_books_by_system_info_id,
        "ref_data_ids": ctx.loaders.ref_datas_by_system_info_id,
    }
    for name, rows in linked.items():
        loaders[name].clear(system_info_id).prime(system_info_id, rows)


async def create(ctx: Context, values: Mapping[str, Any]) -> SystemInfo:
    caller = await ctx.require_caller()
    errors = FieldErrors()
    # In a create input, null means the default for the fields that have one.
    check_changes(values, {"language", "major", "understanding_level"}, errors)
    _check(errors, values)
    links = _parse_links(errors, values)
    errors.raise_if_any()
    description = values.get("description")
    columns = {
        "description": DEFAULT_DESCRIPTION if description is None else description,
        "language": Language(values["language"]),
        "major": values["major"],
        "understanding_level": values["understanding_level"],
        "only_use_reference_data": bool(values.get("only_use_reference_data") or False),
        "data_sequence": bool(values.get("data_sequence") or False),
    }

    linked: Linked = {}

    async def insert_all(session: AsyncSession) -> SystemInfo:
        info = SystemInfo(user_id=caller.id, **columns)  # type: ignore[arg-type]
        session.add(info)
        await session.flush()
        assert info.id is not None and caller.id is not None
        linked.clear()
        linked.update(await _replace_links(session, info.id, caller.id, links, replace=False))
        return info

    info = await _linked_write(write(ctx, insert_all))
    assert info.id is not None
    _answer_with_written_links(ctx, info.id, linked)
    return info


async def update(ctx: Context, global_id: str, changes: Mapping[str, Any]) -> SystemInfo:
    caller = await ctx.require_caller()
    errors = FieldErrors()
    check_changes(changes, REQUIRED, errors)
    _check(errors, changes)
    links = _parse_links(errors, changes)
    errors.raise_if_any()
    columns = {k: v for k, v in changes.items() if k not in ("ref_book_ids", "ref_data_ids")}
    if "language" in columns:
        columns["language"] = Language(columns["language"])

    linked: Linked = {}

    async def relink(session: AsyncSession, info: SystemInfo) -> None:
        assert info.id is not None and caller.id is not None
        linked.clear()
        linked.update(await _replace_links(session, info.id, caller.id, links, replace=True))

    info = await _linked_write(
        update_owned(ctx, SystemInfo, SYSTEM_INFO, WHAT, global_id, columns, also=relink)
    )
    assert info.id is not None
    _answer_with_written_links(ctx, info.id, linked)
    return info


async def _linked_write(pending: Awaitable[SystemInfo]) -> SystemInfo:
    try:
        return await pending
    except IntegrityError as error:
        # A linked object was deleted between our ownership check and the insert.
        field = "refBookIds" if "ref_book" in str(error.orig) else "refDataIds"
        raise bad_input({field: UNKNOWN_IDS}) from error


async def delete(ctx: Context, global_id: str) -> str:
    return await delete_owned(ctx, SystemInfo, SYSTEM_INFO, WHAT, global_id)


async def get(ctx: Context, global_id: str) -> SystemInfo | None:
    return await get_owned(ctx, SystemInfo, SYSTEM_INFO, global_id)


async def page(ctx: Context, args: PageArgs) -> Page[SystemInfo]:
    return await page_owned(ctx, SystemInfo, args)


async def ref_books(ctx: Context, info: SystemInfo | SystemInfoRow) -> list[RefBookRow]:
    return await ctx.loaders.ref_books_by_system_info_id.load(info.id)


async def ref_datas(ctx: Context, info: SystemInfo | SystemInfoRow) -> list[RefDataRow]:
    return await ctx.loaders.ref_datas_by_system_info_id.load(info.id)


async def generated_dialogue(ctx: Context, info: SystemInfo | SystemInfoRow) -> list[str]:
    books = await ref_books(ctx, info)
    materials = await ref_datas(ctx, info)
    contents = await ctx.loaders.content_by_ref_data_id.load_many([m.id for m in materials])
    return render_dialogue(
        major=info.major,
        understanding_level=info.understanding_level,
        language=str(info.language),
        only_use_reference_data=info.only_use_reference_data,
        data_sequence=info.data_sequence,
        books=[Book(b.author, b.title) for b in books],
        materials=[Material(m.title, c) for m, c in zip(materials, contents, strict=True)],
    )
