"""What a SystemInfo adds to the generic reads and writes: its linked objects and its dialogue."""

from __future__ import annotations

from models import RefBook, RefData, SystemInfo
from resolvers.context import Context
from resolvers.dialogue import Book, Material, render_dialogue
from resolvers.entities import REF_DATA_CONTENT, SYSTEM_INFO_BOOKS, SYSTEM_INFO_DATAS
from resolvers.entity import key_of
from resolvers.owned import load_part


async def ref_books(ctx: Context, info: SystemInfo) -> list[RefBook]:
    books: list[RefBook] = await load_part(ctx, SYSTEM_INFO_BOOKS, info)
    return books


async def ref_datas(ctx: Context, info: SystemInfo) -> list[RefData]:
    materials: list[RefData] = await load_part(ctx, SYSTEM_INFO_DATAS, info)
    return materials


async def generated_dialogue(ctx: Context, info: SystemInfo) -> list[str]:
    books = await ref_books(ctx, info)
    materials = await ref_datas(ctx, info)
    contents = await ctx.loaders.of(REF_DATA_CONTENT).load_many([key_of(m) for m in materials])
    return render_dialogue(
        major=info.major,
        understanding_level=info.understanding_level,
        language=str(info.language),
        only_use_reference_data=info.only_use_reference_data,
        data_sequence=info.data_sequence,
        books=[Book(b.author, b.title) for b in books],
        materials=[Material(m.title, c) for m, c in zip(materials, contents, strict=True)],
    )
