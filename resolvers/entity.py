"""What an entity is: one declaration from which ids, rows, ownership and links follow.

An `Entity` names a table model, its GraphQL type name (which is also the prefix of its
global ids: renaming it changes every id a client holds) and who may see it. Its read-only
row type is derived from the model's columns, so a column added to the model reaches the
hot read paths without a second list to keep in step.

Rows are typed as their model: they carry exactly the model's columns (a structural test
checks it) and are only read, never written or flushed. A link read for a selection that
needs fewer columns (resolvers/parts.py `Link.narrowed`) holds NOT_LOADED in the others.
"""

from __future__ import annotations

import enum
from collections import namedtuple
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar, cast

from sqlalchemy import ColumnElement, inspect
from sqlmodel import SQLModel

from resolvers.ids import pk_of, to_global_id
from resolvers.validation import Rule

M = TypeVar("M", bound=SQLModel)
# Every stored object has both times: the orders every entity has.
TIME_ORDERS = {"CREATED": "created_at", "UPDATED": "updated_at"}


class Ownership(enum.Enum):
    """Who may read an entity's objects; writes follow from it (resolvers.owned)."""

    # Only the user in the `user_id` column reads or writes it.
    USER = "user"
    # Everyone reads it; only admins write it (the Admin policy on the mutation fields).
    PUBLIC = "public"
    # The user object itself: only that user sees it.
    SELF = "self"


def key_of(obj: Any) -> int:
    """The primary key of a stored object or row (models type it `int | None` until flushed)."""
    value = obj.id
    assert value is not None, "not stored yet"
    return int(value)


def row_type(model: type[SQLModel], exclude: Iterable[str] = ()) -> Any:
    """A namedtuple class with the model's columns, in table order, minus `exclude`."""
    skipped = set(exclude)
    names = [column.key for column in inspect(model).columns if column.key not in skipped]
    return namedtuple(f"{model.__name__}Row", names)


def columns_of(model: type[SQLModel], row: Any) -> list[ColumnElement[Any]]:
    """The model's columns for `row`'s fields, in the row's order (what a SELECT lists)."""
    mapper = inspect(model)
    return [mapper.columns[name] for name in row._fields]


@dataclass(frozen=True, eq=False)
class Entity(Generic[M]):
    model: type[M]
    type_name: str
    ownership: Ownership
    # What a client may write, column by column (resolvers.validation rules).
    rules: Mapping[str, Rule] = field(default_factory=dict)
    # What is stored outside the row (resolvers.parts): links, long texts, child lists.
    parts: tuple[Any, ...] = ()
    # Text columns a connection's `search` looks in (case-insensitive contains).
    search: tuple[str, ...] = ()
    # What a connection may be ordered by: the order field's name -> the column. Each needs
    # an index on (owner, column, id) (or (column, id) when there is no owner).
    orders: Mapping[str, str] = field(default_factory=lambda: dict(TIME_ORDERS))
    # Columns rows leave out (secrets, lookup keys): never selected on read paths.
    hidden: tuple[str, ...] = ()
    # The Settings attribute capping how many of these one account may store, if any.
    quota_setting: str | None = None
    # A namedtuple class; typed loosely because it is made at run time from the columns.
    row: Any = field(init=False)
    columns: list[ColumnElement[Any]] = field(init=False)

    def __post_init__(self) -> None:
        row = row_type(self.model, self.hidden)
        object.__setattr__(self, "row", row)
        object.__setattr__(self, "columns", columns_of(self.model, row))

    @property
    def display_name(self) -> str:
        """How messages name it ("RefBook not found.")."""
        return self.type_name

    @property
    def table(self) -> Any:
        return inspect(self.model).local_table

    def column(self, name: str) -> Any:
        return inspect(self.model).columns[name]

    def rows(self, found: Sequence[Sequence[Any]]) -> list[M]:
        """Read-only rows from selected columns (`self.columns` first, in order)."""
        make = self.row._make
        width = len(self.columns)
        return cast(list[M], [make(raw[:width]) for raw in found])

    def global_id(self, pk: int) -> str:
        return to_global_id(self.type_name, pk)

    def pk_of(self, global_id: str) -> int | None:
        return pk_of(global_id, self.type_name)

    def part(self, name: str) -> Any:
        """The part stored under input field `name` (KeyError: a declaration is missing)."""
        for part in self.parts:
            if part.field == name:
                return part
        raise KeyError(f"{self.type_name} has no part {name!r}")

    def classes(self) -> tuple[type, ...]:
        """What a resolver may hand the schema for this entity: the model or its row."""
        return (self.model, self.row)
