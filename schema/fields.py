"""Root fields made from an entity declaration: its connection, its read by id, its writes.

`Query` and `Mutation` list one line per field; what a field does follows from its entity
(resolvers/entities.py) and the generic reads and writes (resolvers/owned.py). The policy is
always given by the caller, so every field still declares who may call it.
"""

from __future__ import annotations

from typing import Annotated, Any

import strawberry

from resolvers import owned
from resolvers.entity import Entity
from resolvers.pagination import PageArgs
from schema.connections import Connection
from schema.inputs import provided
from schema.lookahead import object_parts, page_parts
from schema.ordering import order_input, to_order
from schema.permissions import Policy
from schema.types import Ctx

SEARCH = (
    "Only objects whose text fields contain this, ignoring case (`%`, `_` and `\\` are "
    "plain characters); at most 100 characters."
)
# Typed loosely: the node type is a value here, which a static `Connection[...]` cannot take.
_CONNECTION: Any = Connection


def connection(
    entity: Entity[Any], node: type, policy: Policy, description: str | None = None
) -> Any:
    async def resolve(
        info: Ctx,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
        search: Annotated[str | None, strawberry.argument(description=SEARCH)] = None,
        order_by: Any = None,
    ) -> Any:
        args = PageArgs(
            first=first,
            after=after,
            last=last,
            before=before,
            search=search,
            order=to_order(order_by),
        )
        page = await owned.page(info.context, entity, args)
        # What the nodes will load from their parts, read now: each then answers at once.
        reads = page_parts(info)
        if reads:
            await owned.prefetch(info.context, reads, page.rows)
        return Connection(page=page)

    resolve.__annotations__["order_by"] = Annotated[
        order_input(entity) | None,
        strawberry.argument(description="Created, newest first, when not given."),
    ]
    return strawberry.field(
        resolver=resolve,
        extensions=[policy],
        description=description,
        graphql_type=_CONNECTION[node],
    )


def by_id(entity: Entity[Any], node: type, policy: Policy, description: str | None = None) -> Any:
    async def resolve(info: Ctx, id: strawberry.ID) -> Any:
        found = await owned.get(info.context, entity, id)
        # What the object's fields load from its parts, read now (as a page does).
        reads = object_parts(info)
        if reads and found is not None:
            await owned.prefetch(info.context, reads, [found])
        return found

    return strawberry.field(
        resolver=resolve,
        extensions=[policy],
        description=description,
        graphql_type=node | None,
    )


def create(
    entity: Entity[Any],
    node: type,
    input_type: type,
    policy: Policy,
    description: str | None = None,
) -> Any:
    async def resolve(info: Ctx, input: Any) -> Any:
        return await owned.create(info.context, entity, provided(input))

    resolve.__annotations__["input"] = input_type
    return strawberry.mutation(
        resolver=resolve, extensions=[policy], description=description, graphql_type=node
    )


def update(
    entity: Entity[Any],
    node: type,
    input_type: type,
    policy: Policy,
    description: str | None = None,
) -> Any:
    async def resolve(info: Ctx, id: strawberry.ID, input: Any) -> Any:
        return await owned.update(info.context, entity, id, provided(input))

    resolve.__annotations__["input"] = input_type
    return strawberry.mutation(
        resolver=resolve, extensions=[policy], description=description, graphql_type=node
    )


def delete(entity: Entity[Any], policy: Policy, description: str | None = None) -> Any:
    async def resolve(info: Ctx, id: strawberry.ID) -> strawberry.ID:
        return strawberry.ID(await owned.delete(info.context, entity, id))

    return strawberry.mutation(resolver=resolve, extensions=[policy], description=description)
