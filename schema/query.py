"""The Query root. Every field declares its policy (schema/permissions.py)."""

from __future__ import annotations

from typing import Any

import strawberry

from models import PublicScript, RefBook, RefData, SystemInfo, User
from resolvers import nodes, owned
from resolvers.entities import PUBLIC_SCRIPT, REF_BOOK, REF_DATA, SYSTEM_INFO
from resolvers.pagination import PageArgs
from schema.connections import Connection
from schema.permissions import PUBLIC, SIGNED_IN
from schema.types import (
    Ctx,
    Node,
    PublicScriptType,
    RefBookType,
    RefDataType,
    SystemInfoType,
    UserType,
)


def _args(first: int | None, after: str | None, last: int | None, before: str | None) -> PageArgs:
    return PageArgs(first=first, after=after, last=last, before=before)


@strawberry.type
class Query:
    @strawberry.field(
        description=(
            "Any object the caller may see, by global id; null when it does not exist or is "
            "not the caller's."
        ),
        extensions=[PUBLIC],
        graphql_type=Node | None,
    )
    async def node(self, info: Ctx, id: strawberry.ID) -> Any:
        return await nodes.node(info.context, id)

    @strawberry.field(
        description="The signed-in user. UNAUTHENTICATED without a valid access token.",
        extensions=[SIGNED_IN],
        graphql_type=UserType,
    )
    async def me(self, info: Ctx) -> User:
        return await info.context.require_caller()

    @strawberry.field(
        description="The caller's own objects, newest first. `first`/`last` at most 100.",
        extensions=[SIGNED_IN],
    )
    async def system_infos(
        self,
        info: Ctx,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
    ) -> Connection[SystemInfoType]:
        page = await owned.page(info.context, SYSTEM_INFO, _args(first, after, last, before))
        return Connection(page=page)

    @strawberry.field(extensions=[SIGNED_IN])
    async def ref_books(
        self,
        info: Ctx,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
    ) -> Connection[RefBookType]:
        page = await owned.page(info.context, REF_BOOK, _args(first, after, last, before))
        return Connection(page=page)

    @strawberry.field(extensions=[SIGNED_IN])
    async def ref_datas(
        self,
        info: Ctx,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
    ) -> Connection[RefDataType]:
        page = await owned.page(info.context, REF_DATA, _args(first, after, last, before))
        return Connection(page=page)

    @strawberry.field(extensions=[SIGNED_IN], graphql_type=SystemInfoType | None)
    async def system_info(self, info: Ctx, id: strawberry.ID) -> SystemInfo | None:
        return await owned.get(info.context, SYSTEM_INFO, id)

    @strawberry.field(extensions=[SIGNED_IN], graphql_type=RefBookType | None)
    async def ref_book(self, info: Ctx, id: strawberry.ID) -> RefBook | None:
        return await owned.get(info.context, REF_BOOK, id)

    @strawberry.field(extensions=[SIGNED_IN], graphql_type=RefDataType | None)
    async def ref_data(self, info: Ctx, id: strawberry.ID) -> RefData | None:
        return await owned.get(info.context, REF_DATA, id)

    @strawberry.field(description="Public: no sign-in needed. Newest first.", extensions=[PUBLIC])
    async def public_scripts(
        self,
        info: Ctx,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
    ) -> Connection[PublicScriptType]:
        page = await owned.page(info.context, PUBLIC_SCRIPT, _args(first, after, last, before))
        return Connection(page=page)

    @strawberry.field(extensions=[PUBLIC], graphql_type=PublicScriptType | None)
    async def public_script(self, info: Ctx, id: strawberry.ID) -> PublicScript | None:
        return await owned.get(info.context, PUBLIC_SCRIPT, id)
