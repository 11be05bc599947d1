"""What the objects of a page, or of a read by id, will load from their parts, known from
the document.

`systemInfos(first: 6) { edges { node { refBooks { title } refDatas { title } } } }` has 12
link fields. Loaded one by one, each is a coroutine the executor runs as a task of its own,
waiting on a DataLoader that batches them into one statement per link: 23 tasks a request,
~0.4 ms of CPU, more than the statements. The connection's resolver reads the same
statements at once instead, right after the page (`resolvers.owned.prefetch`), and each
field then finds its value ready and answers without awaiting anything. A read by id does
the same for its object.

A field declares the parts it reads with `reads_parts(...)`; a link read for a
sub-selection (`narrowed=True`) is read with the union of the columns its selections need
(schema.columns), whole when any needs the whole row, and what its objects read in turn
(`refDatas { content }`) right after it, for all of them. The answer is worked out once per
place in a document. Every selection counts, whatever `@include`/`@skip` say: a part read
and not asked for costs a statement, never an answer, and one asked for and not read (under
`node(id:)`, in a mutation's answer) is loaded the batched way.

A statement read ahead that fails fails the field that read it (the connection, the read by
id) rather than each node field: the data is the same (every type between them is non-null,
so an error there made the page null anyway), the error's path is the shorter one, and there
is one error instead of one per node.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from typing import Any

from graphql import (
    FieldNode,
    FragmentDefinitionNode,
    GraphQLObjectType,
    get_named_type,
)
from strawberry.types import Info

from resolvers.loaders import Prefetch
from schema.columns import selection_columns
from schema.selections import ByFieldNodes, definition_of, fields_under

_PARTS = "gpt_supporter.parts"
_pages: ByFieldNodes[tuple[Prefetch, ...]] = ByFieldNodes()
_objects: ByFieldNodes[tuple[Prefetch, ...]] = ByFieldNodes()


def reads_parts(*parts: Any, narrowed: bool = False) -> dict[str, Any]:
    """Field metadata: the resolver answers from these parts of its parent (a part, or a
    Prefetch naming what its objects read too); `narrowed`: a link read with only the
    columns of the field's sub-selection, and what that sub-selection reads below it."""
    return {_PARTS: (parts, narrowed)}


def page_parts(info: Info[Any, Any]) -> tuple[Prefetch, ...]:
    """What the nodes under this connection field read from their parts, each part once."""
    return _pages.for_field(info, _page_reads)


def object_parts(info: Info[Any, Any]) -> tuple[Prefetch, ...]:
    """What the object this field answers with reads from its parts (a read by id)."""
    return _objects.for_field(info, _reads_of)


def _page_reads(
    connection: Any, nodes: Sequence[FieldNode], fragments: dict[str, FragmentDefinitionNode]
) -> tuple[Prefetch, ...]:
    edge_type, edges = _child(connection, nodes, "edges", fragments)
    node_type, node_fields = _child(edge_type, edges, "node", fragments)
    return _reads_of(node_type, node_fields, fragments)


def _reads_of(
    object_type: Any, nodes: Sequence[FieldNode], fragments: dict[str, FragmentDefinitionNode]
) -> tuple[Prefetch, ...]:
    """What objects of `object_type` selected by `nodes` read from their parts, and below."""
    if not isinstance(object_type, GraphQLObjectType):
        return ()
    found: list[Prefetch] = []
    for name, selected in _by_name(nodes, fragments).items():
        field = object_type.fields.get(name)
        definition = definition_of(field)
        declared = None if definition is None else definition.metadata.get(_PARTS)
        if declared is None:
            continue
        assert field is not None
        parts, narrowed = declared
        for part in parts:
            if isinstance(part, Prefetch):
                found.append(part)
            elif not narrowed:
                found.append(Prefetch(part))
            else:
                target = get_named_type(field.type)
                columns = selection_columns(target, selected, fragments)
                read = part if columns is None else part.narrowed(columns)
                found.append(Prefetch(read, _reads_of(target, selected, fragments)))
    return merged(found)


def merged(reads: Iterable[Prefetch]) -> tuple[Prefetch, ...]:
    """One read per part: a link with the union of the columns asked for (whole when one
    read asks for every column), and the reads below it merged the same way."""
    by_part: dict[Any, list[Prefetch]] = defaultdict(list)
    for read in reads:
        by_part[getattr(read.part, "whole", read.part)].append(read)
    result = []
    for whole, same in by_part.items():
        part = same[0].part
        if len(same) > 1 and hasattr(whole, "narrowed"):
            if any(read.part is whole for read in same):
                part = whole
            else:
                part = whole.narrowed(frozenset(n for read in same for n in read.part.kept))
        result.append(Prefetch(part, merged(below for read in same for below in read.then)))
    return tuple(result)


def _child(
    parent: Any, nodes: Iterable[FieldNode], name: str, fragments: dict[str, FragmentDefinitionNode]
) -> tuple[Any, list[FieldNode]]:
    """The type of `parent`'s field `name` and every node selecting it under `nodes`."""
    if not isinstance(parent, GraphQLObjectType) or name not in parent.fields:
        return None, []
    found = _by_name(nodes, fragments).get(name, [])
    return get_named_type(parent.fields[name].type), found


def _by_name(
    nodes: Iterable[FieldNode], fragments: dict[str, FragmentDefinitionNode]
) -> dict[str, list[FieldNode]]:
    """The fields selected under `nodes`, by field name (aliases merged), through fragments;
    nothing for a document naming a fragment it does not define (nothing is read ahead)."""
    found: dict[str, list[FieldNode]] = defaultdict(list)
    try:
        for field in fields_under(list(nodes), fragments):
            found[field.name.value].append(field)
    except LookupError:
        return {}
    return found
