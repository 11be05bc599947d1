"""The Query root. Every field declares its policy (schema/permissions.py)."""

from __future__ import annotations

from typing import Any

import strawberry

from models import User
from resolvers import nodes, system_infos
from resolvers.entities import PUBLIC_SCRIPT, REF_BOOK, REF_DATA, SYSTEM_INFO
from schema import fields
from schema.cost import weighs
from schema.inputs import DialoguePreviewInput, provided
from schema.permissions import PUBLIC, SIGNED_IN
from schema.types import (
    DIALOGUE_WEIGHT,
    Ctx,
    DialoguePreview,
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

    @strawberry.field(
        description=(
            "The generatedDialogue these settings would have, for a form that shows the script "
            "while the user edits it. Validated like createSystemInfo (BAD_USER_INPUT naming "
            "each bad field; ids that are not the caller's are BAD_USER_INPUT on their field); "
            "nothing is saved."
        ),
        extensions=[SIGNED_IN],
        metadata=weighs(DIALOGUE_WEIGHT),
    )
    async def dialogue_preview(self, info: Ctx, input: DialoguePreviewInput) -> list[str]:
        return await system_infos.preview_dialogue(info.context, provided(input))

    @strawberry.field(
        description=(
            "dialoguePreview with its text and length (the same fields a SystemInfo has), in "
            "one field: checked and rendered once."
        ),
        extensions=[SIGNED_IN],
        # Rendered here, once, whatever the object's fields ask for.
        metadata=weighs(DIALOGUE_WEIGHT),
    )
    async def dialogue_preview_text(
        self, info: Ctx, input: DialoguePreviewInput
    ) -> DialoguePreview:
        messages = await system_infos.preview_dialogue(info.context, provided(input))
        return DialoguePreview(messages=messages)
