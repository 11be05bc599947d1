"""`node(id)`: any object the caller may see, by global id; None for everything else."""

from __future__ import annotations

from typing import Any

from resolvers import owned
from resolvers.context import Context
from resolvers.entities import by_type_name
from resolvers.entity import Ownership
from resolvers.ids import from_global_id


async def node(ctx: Context, global_id: str) -> Any:
    decoded = from_global_id(global_id)
    entity = by_type_name(decoded[0]) if decoded else None
    if decoded is None or entity is None:
        return None
    if entity.ownership is Ownership.PUBLIC:
        return await owned.get(ctx, entity, global_id)
    # Private objects: only the owner sees them; no token (or a bad one) sees nothing.
    caller = await ctx.caller()
    if caller is None:
        return None
    if entity.ownership is Ownership.SELF:
        return caller if caller.id == decoded[1] else None
    return await owned.get(ctx, entity, global_id)
