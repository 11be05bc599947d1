"""Object types. Their roots are the models the resolvers return; data comes via resolvers."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import strawberry
from strawberry.types import Info

import models
from resolvers import public_scripts, rows, system_infos
from resolvers.context import Context
from resolvers.dialogue import summarize
from resolvers.ids import PUBLIC_SCRIPT, REF_BOOK, REF_DATA, SYSTEM_INFO, USER, to_global_id

Language = strawberry.enum(models.Language, name="Language")


@strawberry.interface(
    name="Node",
    description="Relay global object identification: every stored object has an opaque, global id.",
)
class Node:
    id: strawberry.ID


# Node ids are basic fields: the schema's default resolver, `resolve_attribute` (set in
# schema/build.py), turns `id` into the global id. A resolver per `id` field took strawberry's
# full resolver path (an Info object, argument parsing, the extension chain) for every object
# of every page: a fifth of a SystemInfo page's CPU in a profile.
_NODE_TYPE_NAMES: dict[type, str] = {
    models.User: USER,
    models.RefBook: REF_BOOK,
    rows.RefBookRow: REF_BOOK,
    models.RefData: REF_DATA,
    rows.RefDataRow: REF_DATA,
    models.SystemInfo: SYSTEM_INFO,
    rows.SystemInfoRow: SYSTEM_INFO,
    models.PublicScript: PUBLIC_SCRIPT,
    rows.PublicScriptRow: PUBLIC_SCRIPT,
}


def resolve_attribute(obj: Any, name: str) -> Any:
    """How every field without a resolver reads its root: `id` of a Node is its global id."""
    if name == "id":
        return to_global_id(_NODE_TYPE_NAMES[type(obj)], obj.id)
    return getattr(obj, name)


def _is(*classes: type) -> Any:
    # The roots are models (or read-only rows), not instances of these classes: tell GraphQL
    # which is which.
    def is_type_of(cls: type, obj: Any, _info: Any) -> bool:
        return isinstance(obj, classes)

    return classmethod(is_type_of)


@strawberry.type(name="User")
class UserType(Node):
    id: strawberry.ID
    username: str
    email: str
    is_admin: bool
    using_token: int
    created_at: datetime
    updated_at: datetime
    is_type_of = _is(models.User)


@strawberry.type(name="RefBook")
class RefBookType(Node):
    id: strawberry.ID
    author: str
    title: str
    created_at: datetime
    updated_at: datetime
    is_type_of = _is(models.RefBook, rows.RefBookRow)


@strawberry.type(
    name="RefData",
    description=(
        "A reference material. Its body lives in a separate table and is loaded only when "
        "`content` is selected."
    ),
)
class RefDataType(Node):
    id: strawberry.ID
    title: str
    created_at: datetime
    updated_at: datetime
    is_type_of = _is(models.RefData, rows.RefDataRow)

    @strawberry.field
    async def content(
        self, root: strawberry.Parent[models.RefData], info: Info[Context, None]
    ) -> str:
        return await info.context.loaders.content_by_ref_data_id.load(root.id)


@strawberry.type(
    name="SystemInfo",
    description="What a user tells ChatGPT about themselves; the source of a generated dialogue.",
)
class SystemInfoType(Node):
    id: strawberry.ID
    description: str
    language: Language  # type: ignore[valid-type]
    major: str
    understanding_level: int = strawberry.field(
        description="1 = first-year undergraduate ... 4 = fourth-year, 5 = graduate student."
    )
    only_use_reference_data: bool
    data_sequence: bool
    created_at: datetime
    updated_at: datetime
    is_type_of = _is(models.SystemInfo, rows.SystemInfoRow)

    @strawberry.field(description="Linked books, in the order they were given.")
    async def ref_books(
        self, root: strawberry.Parent[models.SystemInfo], info: Info[Context, None]
    ) -> list[RefBookType]:
        return await system_infos.ref_books(info.context, root)  # type: ignore[return-value]

    @strawberry.field(description="Linked materials, in the order they were given.")
    async def ref_datas(
        self, root: strawberry.Parent[models.SystemInfo], info: Info[Context, None]
    ) -> list[RefDataType]:
        return await system_infos.ref_datas(info.context, root)  # type: ignore[return-value]

    @strawberry.field(
        description=(
            "The script to paste into ChatGPT before asking questions, one message per "
            "entry, in the order to send them."
        )
    )
    async def generated_dialogue(
        self, root: strawberry.Parent[models.SystemInfo], info: Info[Context, None]
    ) -> list[str]:
        return await system_infos.generated_dialogue(info.context, root)


@strawberry.type(name="Script")
class ScriptType:
    number: int
    text: str


@strawberry.type(
    name="PublicScript", description="A script shared with every user; only admins write them."
)
class PublicScriptType(Node):
    id: strawberry.ID
    name: str
    description: str
    created_at: datetime
    updated_at: datetime
    is_type_of = _is(models.PublicScript, rows.PublicScriptRow)

    @strawberry.field(
        description=(
            "The description cut to 100 characters (Unicode code points), with '...' appended "
            "when it was longer."
        )
    )
    def description_summary(self, root: strawberry.Parent[models.PublicScript]) -> str:
        return summarize(root.description)

    @strawberry.field(description="Ordered by number, 1 first.")
    async def scripts(
        self, root: strawberry.Parent[models.PublicScript], info: Info[Context, None]
    ) -> list[ScriptType]:
        return await public_scripts.scripts(info.context, root)  # type: ignore[return-value]


@strawberry.type(name="AuthPayload")
class AuthPayload:
    access_token: str
    refresh_token: str
    expires_in: int = strawberry.field(description="Seconds until accessToken expires.")
    user: UserType
