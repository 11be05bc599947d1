"""Walking a document's selections, and answers kept per place in a document."""

from __future__ import annotations

import functools
import weakref
from collections.abc import Callable, Iterator, Sequence
from typing import Any, Generic, TypeVar

from graphql import (
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLField,
    InlineFragmentNode,
    SelectionSetNode,
    get_named_type,
)
from strawberry.schema.schema_converter import GraphQLCoreConverter
from strawberry.types import Info

T = TypeVar("T")


def fields_under(
    nodes: Sequence[FieldNode], fragments: dict[str, FragmentDefinitionNode]
) -> Iterator[FieldNode]:
    """Every field selected directly under `nodes`, through inline and named fragments
    (each fragment once: validation has refused cycles, and repeats add nothing), whatever
    `@include`/`@skip` say. LookupError: a fragment the document does not define."""
    pending: list[SelectionSetNode] = [node.selection_set for node in nodes if node.selection_set]
    spread: set[str] = set()
    while pending:
        for selection in pending.pop().selections:
            if isinstance(selection, FieldNode):
                yield selection
            elif isinstance(selection, InlineFragmentNode):
                pending.append(selection.selection_set)
            elif isinstance(selection, FragmentSpreadNode):
                name = selection.name.value
                if name not in spread:
                    spread.add(name)
                    pending.append(fragments[name].selection_set)


def definition_of(field: GraphQLField | None) -> Any:
    """strawberry's definition of a schema field (its metadata, resolver), if any."""
    return None if field is None else field.extensions.get(GraphQLCoreConverter.DEFINITION_BACKREF)


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

    def for_field(
        self,
        info: Info[Any, Any],
        work: Callable[[Any, Sequence[FieldNode], dict[str, FragmentDefinitionNode]], T],
    ) -> T:
        """`work(the field's named type, its nodes, the fragments)`, once per place."""
        # strawberry's Info keeps graphql-core's: the field nodes and fragments are there.
        raw = info._raw_info
        nodes = raw.field_nodes
        return self.get(nodes, lambda: work(get_named_type(raw.return_type), nodes, raw.fragments))

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
