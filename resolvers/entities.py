"""Every entity of the service, declared once.

Ids, rows, ownership, input rules, parts stored elsewhere (links, texts), quotas, node
lookup and the generic reads and writes (resolvers/owned.py) all follow from these lines;
the schema binds one GraphQL type to each (schema/types.py) and refuses to build if one is
left unbound.
"""

from __future__ import annotations

from typing import Any

from models import (
    Language,
    PublicScript,
    RefBook,
    RefData,
    RefDataContent,
    Script,
    SystemInfo,
    SystemInfoRefBook,
    SystemInfoRefData,
    User,
)
from resolvers.entity import TIME_ORDERS, Entity, Ownership
from resolvers.parts import Link, LongText, NumberedTexts
from resolvers.validation import Choice, Flag, IntRange, Text
from settings import Settings

USER = Entity(
    User,
    "User",
    Ownership.SELF,
    hidden=("password_hash", "username_key", "email_key", "token_version"),
)

REF_BOOK = Entity(
    RefBook,
    "RefBook",
    Ownership.USER,
    rules={"author": Text(1, 100), "title": Text(1, 100)},
    search=("title", "author"),
    orders={**TIME_ORDERS, "TITLE": "title", "AUTHOR": "author"},
    quota_setting="max_ref_books_per_user",
)

REF_DATA_CONTENT = LongText("content", RefDataContent, "ref_data_id", "text", Text(1, 3000))
REF_DATA = Entity(
    RefData,
    "RefData",
    Ownership.USER,
    rules={"title": Text(1, 100)},
    parts=(REF_DATA_CONTENT,),
    search=("title",),
    orders={**TIME_ORDERS, "TITLE": "title"},
    quota_setting="max_ref_datas_per_user",
)

MAX_LINKS = 50
SYSTEM_INFO_BOOKS = Link("ref_book_ids", REF_BOOK, SystemInfoRefBook, "system_info", MAX_LINKS)
SYSTEM_INFO_DATAS = Link("ref_data_ids", REF_DATA, SystemInfoRefData, "system_info", MAX_LINKS)
SYSTEM_INFO = Entity(
    SystemInfo,
    "SystemInfo",
    Ownership.USER,
    rules={
        "description": Text(0, 50, default="No Description"),
        "language": Choice(Language),
        "major": Text(1, 50),
        "understanding_level": IntRange(1, 5),
        "only_use_reference_data": Flag(),
        "data_sequence": Flag(),
    },
    parts=(SYSTEM_INFO_BOOKS, SYSTEM_INFO_DATAS),
    search=("description", "major"),
    quota_setting="max_system_infos_per_user",
)

MAX_SCRIPTS = 10
SCRIPTS = NumberedTexts("scripts", Script, "public_script_id", MAX_SCRIPTS, 3000)
PUBLIC_SCRIPT = Entity(
    PublicScript,
    "PublicScript",
    Ownership.PUBLIC,
    rules={"name": Text(1, 100), "description": Text(1, 2000)},
    parts=(SCRIPTS,),
    search=("name", "description"),
    orders={**TIME_ORDERS, "NAME": "name"},
)

ENTITIES: tuple[Entity[Any], ...] = (USER, REF_BOOK, REF_DATA, SYSTEM_INFO, PUBLIC_SCRIPT)
for _entity in ENTITIES:
    if _entity.quota_setting and _entity.quota_setting not in Settings.model_fields:
        raise TypeError(f"{_entity.type_name}: no setting {_entity.quota_setting!r}")
_BY_TYPE_NAME = {entity.type_name: entity for entity in ENTITIES}
_BY_CLASS = {cls: entity for entity in ENTITIES for cls in entity.classes()}


def by_type_name(type_name: str) -> Entity[Any] | None:
    return _BY_TYPE_NAME.get(type_name)


def entity_of(obj: object) -> Entity[Any]:
    """The entity a model object or row belongs to (KeyError: not an entity's object)."""
    return _BY_CLASS[type(obj)]
