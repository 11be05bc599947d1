"""`node(id)`: any object the caller may see, by global id; None for everything else."""

from __future__ import annotations

from typing import Any

from models import PublicScript, RefBook, RefData, SystemInfo
from resolvers.context import Context
from resolvers.ids import PUBLIC_SCRIPT, REF_BOOK, REF_DATA, SYSTEM_INFO, USER, from_global_id
from resolvers.owned import fetch_owned

_OWNED: dict[str, Any] = {REF_BOOK: RefBook, REF_DATA: RefData, SYSTEM_INFO: SystemInfo}


async def node(ctx: Context, global_id: str) -> Any:
    decoded = from_global_id(global_id)
    if decoded is None:
        return None
    type_name, pk = decoded
    if type_name == PUBLIC_SCRIPT:
        async with ctx.reads() as session:
            return await session.get(PublicScript, pk)
    # Private objects: only the owner sees them; no token (or a bad one) sees nothing.
    caller = await ctx.caller()
    if caller is None:
        return None
    if type_name == USER:
        return caller if caller.id == pk else None
    model = _OWNED.get(type_name)
    if model is None:
        return None
    async with ctx.reads() as session:
        return await fetch_owned(session, model, pk, caller.id)
