"""Object types. Their roots are the models and rows the resolvers return.

Each Node type is bound to its entity declaration (`node_type(ENTITY)`): the type's name,
its `is_type_of` and its global ids come from there, and `build_schema` checks that every
entity has exactly one bound type.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from operator import attrgetter
from typing import Any, TypeVar, cast

import strawberry
from strawberry.types import Info

from models import Language, PublicScript, RefData, SystemInfo, User
from resolvers import owned, system_infos
from resolvers.context import Context
from resolvers.dialogue import dialogue_characters, dialogue_text, summarize
from resolvers.entities import (
    PUBLIC_SCRIPT,
    REF_BOOK,
    REF_DATA,
    REF_DATA_CONTENT,
    SCRIPTS,
    SYSTEM_INFO,
    SYSTEM_INFO_BOOKS,
    SYSTEM_INFO_DATAS,
    USER,
    entity_of,
)
from resolvers.entity import Entity
from resolvers.validation import Text
from schema.columns import reads_columns, selected_columns
from schema.cost import most, text_weight, weighs
from schema.lookahead import reads_parts

T = TypeVar("T", bound=type)
# Long texts weigh one object per 1,000 characters they can hold (schema/cost.py).
_CONTENT = text_weight(REF_DATA_CONTENT.rule.max_len)
_PUBLIC_DESCRIPTION = text_weight(cast(Text, PUBLIC_SCRIPT.rules["description"]).max_len)
DIALOGUE_WEIGHT = _DIALOGUE = SYSTEM_INFO_BOOKS.max_links + SYSTEM_INFO_DATAS.max_links * (
    1 + _CONTENT
)
# A page or a read by id asking for a dialogue reads what it needs with the object.
_DIALOGUE_PARTS = reads_parts(*system_infos.DIALOGUE_READS)
Ctx = Info[Context, None]

strawberry.enum(Language, name="Language")

TEXT_DESCRIPTION = (
    "generatedDialogue as one text, the messages joined with a blank line (two newlines), "
    "for a single paste."
)
CHARACTERS_DESCRIPTION = (
    "The length of generatedDialogueText in characters, counted as Unicode code points "
    "(JavaScript's `text.length` counts UTF-16 units, 2 for most emoji; `[...text].length` "
    "counts code points)."
)

# The GraphQL type bound to each entity, and the root classes of each type: `node_type`.
NODE_TYPES: dict[Entity[Any], type] = {}
_CLASSES: dict[type, tuple[type, ...]] = {}


@strawberry.interface(
    name="Node",
    description="Relay global object identification: every stored object has an opaque, global id.",
)
class Node:
    id: strawberry.ID

    @classmethod
    def is_type_of(cls, obj: Any, _info: Any) -> bool:
        # The roots are models or rows, not instances of these classes: the entity says
        # which classes are this type's.
        return isinstance(obj, _CLASSES[cls])


def _classes_of(cls: type) -> tuple[type, ...]:
    return _CLASSES[cls]


# Node.is_type_of is an isinstance check that ignores its Info: the executor may make it
# itself, without graphql-core's object completion (schema.plans `type_check_classes`).
Node.is_type_of.__func__.classes_of = _classes_of  # type: ignore[attr-defined]


def node_type(entity: Entity[Any], **options: Any) -> Callable[[T], T]:
    """`@strawberry.type` for the Node type of `entity`, named and recognised by it."""

    def bind(cls: T) -> T:
        if entity in NODE_TYPES:
            bound = NODE_TYPES[entity].__name__
            raise TypeError(f"{entity.type_name} is bound to {bound} already")
        NODE_TYPES[entity] = cls
        _CLASSES[cls] = entity.classes()
        return strawberry.type(name=entity.type_name, **options)(cls)

    return bind


# Node ids are basic fields: the schema's default resolver, `resolve_attribute` (set in
# schema/build.py), turns `id` into the global id. A resolver per `id` field took strawberry's
# full resolver path (an Info object, argument parsing, the extension chain) for every object
# of every page: a fifth of a SystemInfo page's CPU in a profile.
class _AttributeResolver:
    """How every field without a resolver reads its root: `id` of a Node is its global id."""

    def __call__(self, obj: Any, name: str) -> Any:
        if name == "id":
            return _global_id(obj)
        return getattr(obj, name)

    def getter(self, name: str) -> Callable[[Any], Any]:
        """`self(obj, name)` as a one-argument function, for the executor's plans."""
        return _global_id if name == "id" else attrgetter(name)


def _global_id(obj: Any) -> str:
    return entity_of(obj).global_id(obj.id)


resolve_attribute = _AttributeResolver()


@node_type(USER)
class UserType(Node):
    id: strawberry.ID
    username: str
    email: str
    is_admin: bool
    using_token: int
    created_at: datetime
    updated_at: datetime


@node_type(REF_BOOK)
class RefBookType(Node):
    id: strawberry.ID
    author: str
    title: str
    created_at: datetime
    updated_at: datetime


@node_type(
    REF_DATA,
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

    @strawberry.field(
        graphql_type=str,
        metadata={**weighs(_CONTENT), **reads_columns("id"), **reads_parts(REF_DATA_CONTENT)},
    )
    def content(self, root: strawberry.Parent[RefData], info: Ctx) -> Any:
        # The text, or an awaitable of it when the page did not read it (schema.lookahead).
        text: Any = owned.part_of(info.context, REF_DATA_CONTENT, root)
        return text


@node_type(
    SYSTEM_INFO,
    description="What a user tells ChatGPT about themselves; the source of a generated dialogue.",
)
class SystemInfoType(Node):
    id: strawberry.ID
    description: str
    language: Language
    major: str
    understanding_level: int = strawberry.field(
        description="1 = first-year undergraduate ... 4 = fourth-year, 5 = graduate student."
    )
    only_use_reference_data: bool
    data_sequence: bool
    created_at: datetime
    updated_at: datetime

    @strawberry.field(
        description="Linked books, in the order they were given.",
        graphql_type=list[RefBookType],
        metadata={
            **most(SYSTEM_INFO_BOOKS.max_links),
            **reads_parts(SYSTEM_INFO_BOOKS, narrowed=True),
        },
    )
    def ref_books(self, root: strawberry.Parent[SystemInfo], info: Ctx) -> Any:
        return system_infos.ref_books(info.context, root, selected_columns(info))

    @strawberry.field(
        description="Linked materials, in the order they were given.",
        graphql_type=list[RefDataType],
        metadata={
            **most(SYSTEM_INFO_DATAS.max_links),
            **reads_parts(SYSTEM_INFO_DATAS, narrowed=True),
        },
    )
    def ref_datas(self, root: strawberry.Parent[SystemInfo], info: Ctx) -> Any:
        return system_infos.ref_datas(info.context, root, selected_columns(info))

    @strawberry.field(
        description=(
            "The script to paste into ChatGPT before asking questions, one message per "
            "entry, in the order to send them."
        ),
        # A message per linked book, and per linked material with its content: what
        # refBooks { author title } refDatas { title content } would cost.
        metadata={**weighs(_DIALOGUE), **_DIALOGUE_PARTS},
    )
    async def generated_dialogue(self, root: strawberry.Parent[SystemInfo], info: Ctx) -> list[str]:
        return await system_infos.generated_dialogue(info.context, root)

    # The text holds what the messages hold; the length takes the same loads to count.
    @strawberry.field(
        description=TEXT_DESCRIPTION, metadata={**weighs(_DIALOGUE), **_DIALOGUE_PARTS}
    )
    async def generated_dialogue_text(self, root: strawberry.Parent[SystemInfo], info: Ctx) -> str:
        return await system_infos.generated_dialogue_text(info.context, root)

    @strawberry.field(
        description=CHARACTERS_DESCRIPTION, metadata={**weighs(_DIALOGUE), **_DIALOGUE_PARTS}
    )
    async def dialogue_characters(self, root: strawberry.Parent[SystemInfo], info: Ctx) -> int:
        return await system_infos.generated_dialogue_characters(info.context, root)


@strawberry.type(
    name="DialoguePreview",
    description=(
        "A dialogue rendered from settings that are not saved: the same three fields a "
        "SystemInfo has."
    ),
)
class DialoguePreview:
    messages: strawberry.Private[list[str]]

    # Rendered once, by the root field; each text repeats what the messages hold.
    @strawberry.field(
        description="The messages, in the order to send them.", metadata=weighs(_DIALOGUE)
    )
    def generated_dialogue(self) -> list[str]:
        return self.messages

    @strawberry.field(description=TEXT_DESCRIPTION, metadata=weighs(_DIALOGUE))
    def generated_dialogue_text(self) -> str:
        return dialogue_text(self.messages)

    @strawberry.field(description=CHARACTERS_DESCRIPTION)
    def dialogue_characters(self) -> int:
        return dialogue_characters(self.messages)


@strawberry.type(name="Script")
class ScriptType:
    number: int
    text: str = strawberry.field(metadata=weighs(text_weight(SCRIPTS.max_len)))


@node_type(PUBLIC_SCRIPT, description="A script shared with every user; only admins write them.")
class PublicScriptType(Node):
    id: strawberry.ID
    name: str
    description: str = strawberry.field(metadata=weighs(_PUBLIC_DESCRIPTION))
    created_at: datetime
    updated_at: datetime

    @strawberry.field(
        description=(
            "The description cut to 100 characters (Unicode code points), with '...' appended "
            "when it was longer."
        )
    )
    def description_summary(self, root: strawberry.Parent[PublicScript]) -> str:
        return summarize(root.description)

    @strawberry.field(
        description="Ordered by number, 1 first.",
        graphql_type=list[ScriptType],
        metadata={**most(SCRIPTS.max_items), **reads_parts(SCRIPTS)},
    )
    def scripts(self, root: strawberry.Parent[PublicScript], info: Ctx) -> Any:
        return owned.part_of(info.context, SCRIPTS, root)


@strawberry.type(name="AuthPayload")
class AuthPayload:
    access_token: str
    refresh_token: str
    expires_in: int = strawberry.field(description="Seconds until accessToken expires.")
    user: User = strawberry.field(graphql_type=UserType)
