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

import functools
import weakref
from collections.abc import Callable, Sequence
from typing import Any, Generic, TypeVar

from graphql import (
    FieldNode,
    FragmentSpreadNode,
    GraphQLField,
    GraphQLObjectType,
    InlineFragmentNode,
    SelectionSetNode,
    get_named_type,
)
from strawberry.schema.schema_converter import GraphQLCoreConverter
from strawberry.types import Info

_COLUMNS = "gpt_supporter.columns"
T = TypeVar("T")


class ByFieldNodes(Generic[T]):
    """Answers worked out once per place in a document, for a field's nodes.

    By the first field node's identity, held weakly: an entry goes with its document (the
    parse cache's, or a request's), so the cache never keeps a request body alive. Each holds
    the ids of all the field's nodes (a fragment's field merged with different siblings in
    different places) and the answer. More than `limit` entries starts over.
    """

    def __init__(self, limit: int = 4096) -> None:
        self._limit = limit
        self._cache: dict[int, tuple[weakref.ref[FieldNode], tuple[int, ...], T]] = {}

    def __len__(self) -> int:
        return len(self._cache)

    def get(self, nodes: Sequence[FieldNode], work: Callable[[], T]) -> T:
        first = nodes[0]
        ids = tuple(map(id, nodes))
        hit = self._cache.get(ids[0])
        if hit is not None and hit[0]() is first and hit[1] == ids:
            return hit[2]
        found = work()
        if len(self._cache) >= self._limit:
            self._cache.clear()
        self._cache[ids[0]] = (
            weakref.ref(first, functools.partial(self._forget, ids[0])),
            ids,
            found,
        )
        return found

    def _forget(self, key: int, _gone: object) -> None:
        self._cache.pop(key, None)


_cache: ByFieldNodes[frozenset[str] | None] = ByFieldNodes()


def reads_columns(*names: str) -> dict[str, Any]:
    """Field metadata: the resolver reads only these columns of its parent's row."""
    return {_COLUMNS: frozenset(names)}


def selected_columns(info: Info[Any, Any]) -> frozenset[str] | None:
    """The columns the objects of this field's value need for its sub-selection; None: all."""
    # strawberry's Info keeps graphql-core's: the field nodes and fragments are there.
    raw = info._raw_info
    nodes = raw.field_nodes
    return _cache.get(
        nodes, lambda: selection_columns(get_named_type(raw.return_type), nodes, raw.fragments)
    )


def selection_columns(
    target: Any, nodes: Sequence[FieldNode], fragments: dict[str, Any]
) -> frozenset[str] | None:
    """The columns objects of type `target` need for the sub-selections of `nodes`."""
    if not isinstance(target, GraphQLObjectType):
        return None
    names: set[str] = set()
    pending: list[SelectionSetNode] = [node.selection_set for node in nodes if node.selection_set]
    spread: set[str] = set()
    while pending:
        for selection in pending.pop().selections:
            if isinstance(selection, FieldNode):
                name = selection.name.value
                if name == "__typename":
                    continue
                needs = _field_columns(target.fields.get(name))
                if needs is None:
                    return None
                names |= needs
            elif isinstance(selection, InlineFragmentNode):
                pending.append(selection.selection_set)
            elif isinstance(selection, FragmentSpreadNode):
                fragment = fragments.get(selection.name.value)
                if fragment is None:
                    return None
                # Each fragment once: validation has refused cycles, repeats add nothing.
                if fragment.name.value not in spread:
                    spread.add(fragment.name.value)
                    pending.append(fragment.selection_set)
    return frozenset(names)


def _field_columns(field: GraphQLField | None) -> frozenset[str] | None:
    definition = (
        None if field is None else field.extensions.get(GraphQLCoreConverter.DEFINITION_BACKREF)
    )
    if definition is None:
        return None
    declared = definition.metadata.get(_COLUMNS)
    if declared is not None:
        return frozenset(declared)
    if definition.base_resolver is None:
        return frozenset((definition.python_name,))
    return None
