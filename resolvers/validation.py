"""Input rules. Each bad field is reported under its GraphQL name in `extensions.fields`."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from email_validator import EmailNotValidError, validate_email

from resolvers.errors import bad_input

USERNAME_RE = re.compile(r"[A-Za-z0-9@.+\-_]{1,20}")
EMAIL_MAX = 254


class FieldErrors:
    """Collects every broken rule of one input, then raises them together."""

    def __init__(self) -> None:
        self.fields: dict[str, str] = {}

    def add(self, field: str, message: str) -> None:
        self.fields.setdefault(field, message)

    def text(self, field: str, value: Any, min_len: int, max_len: int) -> None:
        if value is None:
            self.add(field, "Must not be null.")
        elif not isinstance(value, str):
            self.add(field, "Must be a string.")
        elif len(value) < min_len or (min_len > 0 and not value.strip()):
            self.add(field, "Must not be empty." if min_len == 1 else f"At least {min_len} chars.")
        elif len(value) > max_len:
            self.add(field, f"At most {max_len} characters.")

    def int_range(self, field: str, value: Any, low: int, high: int) -> None:
        if value is None:
            self.add(field, "Must not be null.")
        elif not low <= value <= high:
            self.add(field, f"Must be between {low} and {high}.")

    def not_null(self, field: str, value: Any) -> None:
        if value is None:
            self.add(field, "Must not be null.")

    def username(self, field: str, value: str) -> None:
        if not USERNAME_RE.fullmatch(value):
            self.add(field, "1-20 ASCII letters, digits and @.+-_ only.")

    def email(self, field: str, value: str) -> None:
        if len(value) > EMAIL_MAX:
            self.add(field, f"At most {EMAIL_MAX} characters.")
            return
        try:
            validate_email(value, check_deliverability=False)
        except EmailNotValidError as error:
            self.add(field, str(error))

    def raise_if_any(self) -> None:
        if self.fields:
            raise bad_input(self.fields)


def graphql_name(python_name: str) -> str:
    head, *rest = python_name.split("_")
    return head + "".join(part.capitalize() for part in rest)


def check_changes(changes: Mapping[str, Any], required: set[str], errors: FieldErrors) -> None:
    """In an update, an explicit null is only allowed for fields that may be empty."""
    for name, value in changes.items():
        if value is None and name in required:
            errors.add(graphql_name(name), "Must not be null.")
