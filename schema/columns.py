"""Which columns of its objects a field's sub-selection reads, so a link loads only those.

`refBooks { id title }` needs two of a book's six columns; the driver parses every column
of every row in Python, so a list read with only those costs a third less
(resolvers/parts.py `Link.narrowed`). The answer is worked out once per place in a document:
parsed documents are cached, so a stored operation's nodes are the same objects request
after request.

A field with no resolver reads the column of its own Python name; a field with a resolver
reads what it declares with `reads_columns(...)`, and one that declares nothing needs the
whole row. Forgetting a declaration costs speed, never an answer; a declaration that names
too little makes the field fail loudly (NOT_LOADED is no value any scalar accepts).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from graphql import (
    FieldNode,
    GraphQLField,
    GraphQLObjectType,
)
from strawberry.types import Info

from schema.selections import ByFieldNodes, definition_of, fields_under

_COLUMNS = "gpt_supporter.columns"


_cache: ByFieldNodes[frozenset[str] | None] = ByFieldNodes()


def reads_columns(*names: str) -> dict[str, Any]:
    """Field metadata: the resolver reads only these columns of its parent's row."""
    return {_COLUMNS: frozenset(names)}


def selected_columns(info: Info[Any, Any]) -> frozenset[str] | None:
    """The columns the objects of this field's value need for its sub-selection; None: all."""
    return _cache.for_field(info, selection_columns)


def selection_columns(
    target: Any, nodes: Sequence[FieldNode], fragments: dict[str, Any]
) -> frozenset[str] | None:
    """The columns objects of type `target` need for the sub-selections of `nodes`."""
    if not isinstance(target, GraphQLObjectType):
        return None
    names: set[str] = set()
    try:
        for selection in fields_under(nodes, fragments):
            name = selection.name.value
            if name == "__typename":
                continue
            needs = _field_columns(target.fields.get(name))
            if needs is None:
                return None
            names |= needs
    except LookupError:
        return None
    return frozenset(names)


def _field_columns(field: GraphQLField | None) -> frozenset[str] | None:
    definition = definition_of(field)
    if definition is None:
        return None
    declared = definition.metadata.get(_COLUMNS)
    if declared is not None:
        return frozenset(declared)
    if definition.base_resolver is None:
        return frozenset((definition.python_name,))
    return None
