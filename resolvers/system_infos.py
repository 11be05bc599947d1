"""What a SystemInfo adds to the generic reads and writes: its linked objects and its dialogue,
rendered from what is stored or, for a form being edited, from settings not saved yet."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from models import Language, SystemInfo
from resolvers.context import Context
from resolvers.dialogue import (
    Book,
    Material,
    dialogue_characters,
    dialogue_text,
    render_dialogue,
)
from resolvers.entities import REF_DATA_CONTENT, SYSTEM_INFO, SYSTEM_INFO_BOOKS, SYSTEM_INFO_DATAS
from resolvers.entity import key_of
from resolvers.loaders import Prefetch
from resolvers.owned import parse_parts, part_of
from resolvers.parts import UNKNOWN_IDS
from resolvers.validation import FieldErrors, values_for_create

# What a dialogue reads of its links: the books' authors and titles, the materials' titles
# and contents (a page or a read by id reads them with the object: schema.lookahead).
DIALOGUE_BOOKS = SYSTEM_INFO_BOOKS.narrowed(frozenset({"author", "title"}))
DIALOGUE_DATAS = SYSTEM_INFO_DATAS.narrowed(frozenset({"title"}))
DIALOGUE_READS = (
    Prefetch(DIALOGUE_BOOKS),
    Prefetch(DIALOGUE_DATAS, (Prefetch(REF_DATA_CONTENT),)),
)
# What a dialogue depends on: every SystemInfo column but the description, checked by the
# entity's own rules (the links by its parts).
PREVIEW_RULES = {name: rule for name, rule in SYSTEM_INFO.rules.items() if name != "description"}


def ref_books(ctx: Context, info: SystemInfo, columns: frozenset[str] | None = None) -> Any:
    """The linked books (or an awaitable of them, when the page did not read them); with
    `columns`, rows that hold only those (and the id)."""
    part = SYSTEM_INFO_BOOKS if columns is None else SYSTEM_INFO_BOOKS.narrowed(columns)
    return part_of(ctx, part, info)


def ref_datas(ctx: Context, info: SystemInfo, columns: frozenset[str] | None = None) -> Any:
    """The linked materials (or an awaitable of them, when the page did not read them); with
    `columns`, rows that hold only those (and the id)."""
    part = SYSTEM_INFO_DATAS if columns is None else SYSTEM_INFO_DATAS.narrowed(columns)
    return part_of(ctx, part, info)


async def generated_dialogue(ctx: Context, info: SystemInfo) -> list[str]:
    # Through the request's loaders: the text and the character count of the same object
    # read nothing more. Both links are asked for before either is awaited, so they join
    # the batches of the page's other link reads (`refBooks { title }` beside it); a page
    # or a read by id has usually read them already (DIALOGUE_READS).
    pk = key_of(info)
    books, materials = await asyncio.gather(
        ctx.loaders.load(DIALOGUE_BOOKS, pk), ctx.loaders.load(DIALOGUE_DATAS, pk)
    )
    return await _render(ctx, info, books, materials)


async def generated_dialogue_text(ctx: Context, info: SystemInfo) -> str:
    return dialogue_text(await generated_dialogue(ctx, info))


async def generated_dialogue_characters(ctx: Context, info: SystemInfo) -> int:
    return dialogue_characters(await generated_dialogue(ctx, info))


async def preview_dialogue(ctx: Context, given: Mapping[str, Any]) -> list[str]:
    """The dialogue `given` (a createSystemInfo input without a description) would have.

    Validated as createSystemInfo validates it; an id that is not the caller's is
    BAD_USER_INPUT on its field. Nothing is written: the links are read through the
    request's read connection.
    """
    claims = ctx.require_claims()
    errors = FieldErrors()
    settings = values_for_create(PREVIEW_RULES, given, errors)
    parsed = parse_parts(SYSTEM_INFO, given, errors, creating=True)
    errors.raise_if_any()
    async with ctx.reads() as connection:
        books = await SYSTEM_INFO_BOOKS.owned(connection, claims.user_id, parsed[SYSTEM_INFO_BOOKS])
        materials = await SYSTEM_INFO_DATAS.owned(
            connection, claims.user_id, parsed[SYSTEM_INFO_DATAS]
        )
    for part, found in ((SYSTEM_INFO_BOOKS, books), (SYSTEM_INFO_DATAS, materials)):
        if found is None:
            errors.add(part.field, UNKNOWN_IDS)
    errors.raise_if_any()
    assert books is not None and materials is not None
    return await _render(ctx, _Settings(**settings), books, materials)


@dataclass(frozen=True, slots=True)
class _Settings:
    """The columns a dialogue reads, for settings that are not a stored SystemInfo."""

    language: Language
    major: str
    understanding_level: int
    only_use_reference_data: bool
    data_sequence: bool


async def _render(
    ctx: Context, info: SystemInfo | _Settings, books: Sequence[Any], materials: Sequence[Any]
) -> list[str]:
    contents = await ctx.loaders.load_many(REF_DATA_CONTENT, [key_of(m) for m in materials])
    return render_dialogue(
        major=info.major,
        understanding_level=info.understanding_level,
        language=str(info.language),
        only_use_reference_data=info.only_use_reference_data,
        data_sequence=info.data_sequence,
        books=[Book(b.author, b.title) for b in books],
        materials=[Material(m.title, c) for m, c in zip(materials, contents, strict=True)],
    )
