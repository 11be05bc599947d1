"""Input rules, declared per entity column, and the errors they collect.

Errors name fields by their Python name (`understanding_level`); the schema layer turns
them into GraphQL names (`understandingLevel`) when it formats the error, so resolvers
know nothing of the API's spelling.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from email_validator import EmailNotValidError, validate_email

from resolvers.errors import bad_input

USERNAME_RE = re.compile(r"[A-Za-z0-9@.+\-_]{1,20}")
EMAIL_MAX = 254
NOT_NULL = "Must not be null."


class FieldErrors:
    """Collects every broken rule of one input, then raises them together."""

    def __init__(self) -> None:
        self.fields: dict[str, str] = {}

    def add(self, field: str, message: str) -> None:
        self.fields.setdefault(field, message)

    def text(self, field: str, value: Any, min_len: int, max_len: int) -> None:
        if value is None:
            self.add(field, NOT_NULL)
        elif not isinstance(value, str):
            self.add(field, "Must be a string.")
        elif len(value) < min_len or (min_len > 0 and not value.strip()):
            self.add(field, "Must not be empty." if min_len == 1 else f"At least {min_len} chars.")
        elif len(value) > max_len:
            self.add(field, f"At most {max_len} characters.")

    def int_range(self, field: str, value: Any, low: int, high: int) -> None:
        if value is None:
            self.add(field, NOT_NULL)
        elif not low <= value <= high:
            self.add(field, f"Must be between {low} and {high}.")

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


class Rule(Protocol):
    """What one column accepts."""

    @property
    def default(self) -> Any:
        """What a create stores for an absent or null value; REQUIRED: the client must give
        one."""
        ...

    def check(self, errors: FieldErrors, field: str, value: Any) -> Any:
        """Records what is wrong with a non-null `value`; returns the value to store."""
        ...


REQUIRED: Any = object()


@dataclass(frozen=True, slots=True)
class Text:
    min_len: int
    max_len: int
    default: Any = REQUIRED

    def check(self, errors: FieldErrors, field: str, value: Any) -> Any:
        errors.text(field, value, self.min_len, self.max_len)
        return value


@dataclass(frozen=True, slots=True)
class IntRange:
    low: int
    high: int
    default: Any = REQUIRED

    def check(self, errors: FieldErrors, field: str, value: Any) -> Any:
        errors.int_range(field, value, self.low, self.high)
        return value


@dataclass(frozen=True, slots=True)
class Choice:
    """One value of an enum (the schema's enum already coerced it)."""

    enum_type: type[enum.Enum]
    default: Any = REQUIRED

    def check(self, errors: FieldErrors, field: str, value: Any) -> Any:
        try:
            return self.enum_type(value)
        except ValueError:
            errors.add(field, "Not one of " + ", ".join(m.name for m in self.enum_type) + ".")
            return None


@dataclass(frozen=True, slots=True)
class Flag:
    default: Any = False

    def check(self, errors: FieldErrors, field: str, value: Any) -> Any:
        return bool(value)


def values_for_create(
    rules: Mapping[str, Rule], given: Mapping[str, Any], errors: FieldErrors
) -> dict[str, Any]:
    """Every column's value: what was given, else its default; null means the default."""
    values: dict[str, Any] = {}
    for name, rule in rules.items():
        value = given.get(name)
        if value is None:
            if rule.default is REQUIRED:
                errors.add(name, NOT_NULL)
            else:
                values[name] = rule.default
            continue
        values[name] = rule.check(errors, name, value)
    return values


def values_for_update(
    rules: Mapping[str, Rule], changes: Mapping[str, Any], errors: FieldErrors
) -> dict[str, Any]:
    """The columns to change: only those given; an explicit null is refused (every column
    holds a value)."""
    values: dict[str, Any] = {}
    for name, value in changes.items():
        rule = rules.get(name)
        if rule is None:
            continue
        if value is None:
            errors.add(name, NOT_NULL)
            continue
        values[name] = rule.check(errors, name, value)
    return values
