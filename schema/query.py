"""The Query root."""

from __future__ import annotations

import strawberry
from strawberry.types import Info

from resolvers import nodes, public_scripts, ref_books, ref_datas, system_infos
from resolvers.context import Context
from resolvers.pagination import PageArgs
from schema.connections import Connection
from schema.permissions import ACCESS_TOKEN, AUTHENTICATED
from schema.types import Node, PublicScriptType, RefBookType, RefDataType, SystemInfoType, UserType

Ctx = Info[Context, None]


def _args(first: int | None, after: str | None, last: int | None, before: str | None) -> PageArgs:
    return PageArgs(first=first, after=after, last=last, before=before)


@strawberry.type
class Query:
    @strawberry.field(
        description=(
            "Any object the caller may see, by global id; null when it does not exist or is "
            "not the caller's."
        )
    )
    async def node(self, info: Ctx, id: strawberry.ID) -> Node | None:
        return await nodes.node(info.context, id)

    @strawberry.field(
        description="The signed-in user. UNAUTHENTICATED without a valid access token.",
        permission_classes=AUTHENTICATED,
    )
    async def me(self, info: Ctx) -> UserType:
        return await info.context.require_caller()  # type: ignore[return-value]

    @strawberry.field(
        description="The caller's own objects, newest first. `first`/`last` at most 100.",
        permission_classes=ACCESS_TOKEN,
    )
    async def system_infos(
        self,
        info: Ctx,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
    ) -> Connection[SystemInfoType]:
        return Connection(
            page=await system_infos.page(info.context, _args(first, after, last, before))
        )

    @strawberry.field(permission_classes=ACCESS_TOKEN)
    async def ref_books(
        self,
        info: Ctx,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
    ) -> Connection[RefBookType]:
        return Connection(
            page=await ref_books.page(info.context, _args(first, after, last, before))
        )

    @strawberry.field(permission_classes=ACCESS_TOKEN)
    async def ref_datas(
        self,
        info: Ctx,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
    ) -> Connection[RefDataType]:
        return Connection(
            page=await ref_datas.page(info.context, _args(first, after, last, before))
        )

    @strawberry.field(permission_classes=ACCESS_TOKEN)
    async def system_info(self, info: Ctx, id: strawberry.ID) -> SystemInfoType | None:
        return await system_infos.get(info.context, id)  # type: ignore[return-value]

    @strawberry.field(permission_classes=ACCESS_TOKEN)
    async def ref_book(self, info: Ctx, id: strawberry.ID) -> RefBookType | None:
        return await ref_books.get(info.context, id)  # type: ignore[return-value]

    @strawberry.field(permission_classes=ACCESS_TOKEN)
    async def ref_data(self, info: Ctx, id: strawberry.ID) -> RefDataType | None:
        return await ref_datas.get(info.context, id)  # type: ignore[return-value]

    @strawberry.field(description="Public: no sign-in needed. Newest first.")
    async def public_scripts(
        self,
        info: Ctx,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
    ) -> Connection[PublicScriptType]:
        page = await public_scripts.page(info.context, _args(first, after, last, before))
        return Connection(page=page)

    @strawberry.field
    async def public_script(self, info: Ctx, id: strawberry.ID) -> PublicScriptType | None:
        return await public_scripts.get(info.context, id)  # type: ignore[return-value]
