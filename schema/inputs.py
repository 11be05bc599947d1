"""Input types, exactly as the contract spells them."""

from __future__ import annotations

import dataclasses
from typing import Any

import strawberry

from models import Language


def provided(data: Any) -> dict[str, Any]:
    """The fields the client sent (null included), by Python name; absent ones are left out."""
    return {
        field.name: getattr(data, field.name)
        for field in dataclasses.fields(data)
        if getattr(data, field.name) is not strawberry.UNSET
    }


@strawberry.input
class SignUpInput:
    username: str
    email: str
    password: str


@strawberry.input
class SignInInput:
    username: str
    password: str


@strawberry.input
class ChangePasswordInput:
    current_password: str
    new_password: str


@strawberry.input
class CreateSystemInfoInput:
    language: Language
    major: str
    understanding_level: int
    description: str | None = "No Description"
    only_use_reference_data: bool | None = False
    data_sequence: bool | None = False
    ref_book_ids: list[strawberry.ID] | None = strawberry.field(default_factory=list)
    ref_data_ids: list[strawberry.ID] | None = strawberry.field(default_factory=list)


@strawberry.input(
    description=(
        "Every field optional: an absent field is left as it is; refBookIds/refDataIds, "
        "when given, replace the links."
    )
)
class UpdateSystemInfoInput:
    description: str | None = strawberry.UNSET
    language: Language | None = strawberry.UNSET
    major: str | None = strawberry.UNSET
    understanding_level: int | None = strawberry.UNSET
    only_use_reference_data: bool | None = strawberry.UNSET
    data_sequence: bool | None = strawberry.UNSET
    ref_book_ids: list[strawberry.ID] | None = strawberry.UNSET
    ref_data_ids: list[strawberry.ID] | None = strawberry.UNSET


@strawberry.input(
    description=(
        "What a dialogue depends on, as createSystemInfo takes it (no description): checked "
        "by the same rules, and refBookIds/refDataIds must be the caller's own ids, in the "
        "order the messages list them. Nothing is saved."
    )
)
class DialoguePreviewInput:
    language: Language
    major: str
    understanding_level: int
    only_use_reference_data: bool | None = False
    data_sequence: bool | None = False
    ref_book_ids: list[strawberry.ID] | None = strawberry.field(default_factory=list)
    ref_data_ids: list[strawberry.ID] | None = strawberry.field(default_factory=list)


@strawberry.input
class CreateRefBookInput:
    author: str
    title: str


@strawberry.input
class UpdateRefBookInput:
    author: str | None = strawberry.UNSET
    title: str | None = strawberry.UNSET


@strawberry.input
class CreateRefDataInput:
    title: str
    content: str


@strawberry.input
class UpdateRefDataInput:
    title: str | None = strawberry.UNSET
    content: str | None = strawberry.UNSET


@strawberry.input
class CreatePublicScriptInput:
    name: str
    description: str
    scripts: list[str] = strawberry.field(description="1 to 10 scripts; the first is number 1.")


@strawberry.input
class UpdatePublicScriptInput:
    name: str | None = strawberry.UNSET
    description: str | None = strawberry.UNSET
    scripts: list[str] | None = strawberry.field(
        default=strawberry.UNSET, description="When given, replaces all scripts."
    )
