"""The Query root. Every field declares its policy (schema/permissions.py)."""

from __future__ import annotations

from typing import Any

import strawberry

from models import User
from resolvers import nodes
from resolvers.entities import PUBLIC_SCRIPT, REF_BOOK, REF_DATA, SYSTEM_INFO
from schema import fields
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

    system_infos = fields.connection(
        SYSTEM_INFO,
        SystemInfoType,
        SIGNED_IN,
        "The caller's own objects, newest first. `first`/`last` at most 100.",
    )
    ref_books = fields.connection(REF_BOOK, RefBookType, SIGNED_IN)
    ref_datas = fields.connection(REF_DATA, RefDataType, SIGNED_IN)
    system_info = fields.by_id(SYSTEM_INFO, SystemInfoType, SIGNED_IN)
    ref_book = fields.by_id(REF_BOOK, RefBookType, SIGNED_IN)
    ref_data = fields.by_id(REF_DATA, RefDataType, SIGNED_IN)
    public_scripts = fields.connection(
        PUBLIC_SCRIPT, PublicScriptType, PUBLIC, "Public: no sign-in needed. Newest first."
    )
    public_script = fields.by_id(PUBLIC_SCRIPT, PublicScriptType, PUBLIC)
