"""The static cost of an operation: how many objects its answer can hold (docs/design.md
"Request cost", after GitHub's node limit).

    plan = compile_cost(schema, document, operation_name)   # once per document
    plan.cost(variables)                                    # per request, cheap

Every object the answer can hold counts 1: the connection, each edge and node, PageInfo, each
linked book. A connection multiplies what is under it by its `first`/`last` (20 when neither
is given, clamped to 0..100: values outside are refused by the resolver anyway); `first: $n`
is read from the request's variables, or the variable's default. A list multiplies by its
most entries, declared on the field (`most(n)`). Scalars count 0, except long texts, which
count one per TEXT_UNIT characters they can hold (`weighs(n)` on the field), and
`generatedDialogue`, which holds a
message per linked book and per linked material with its content, so it costs what selecting
`refBooks { author title } refDatas { title content }` does. Introspection counts 0: its
answer is bounded by the schema (schema.shape refuses nesting it). Fields selected twice
count twice. Every maximum comes from where the resolvers enforce it.

The plan is compiled once per document, each fragment once, into a flat list of nodes
(children first); evaluating it is one pass over that list, and a plan without variables is a
constant.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentSpreadNode,
    GraphQLField,
    GraphQLInterfaceType,
    GraphQLNamedType,
    GraphQLObjectType,
    GraphQLSchema,
    InlineFragmentNode,
    IntValueNode,
    OperationDefinitionNode,
    SelectionSetNode,
    VariableNode,
    get_named_type,
    get_nullable_type,
    is_leaf_type,
    is_list_type,
    value_from_ast_untyped,
)

from resolvers.pagination import DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE
from schema.fragment_order import fragments_in_order

# Characters of text that count as one object: about what a small object (a book: id, author,
# title, two timestamps) takes in the answer.
TEXT_UNIT = 1000


def text_weight(max_characters: int) -> int:
    return -(-max_characters // TEXT_UNIT)


# What a field declares for the cost, in its strawberry metadata (schema/types.py): the most
# entries a list field holds, and what a scalar (a long text) weighs.
_MOST = "cost_most_entries"
_WEIGHT = "cost_weight"


def most(entries: int) -> dict[str, int]:
    """Metadata for a list field: it holds at most `entries` (what its resolver enforces)."""
    return {_MOST: entries}


def weighs(units: int) -> dict[str, int]:
    """Metadata for a scalar field that counts as `units` objects (long texts, dialogues)."""
    return {_WEIGHT: units}


def _declared(parent: GraphQLNamedType, name: str, key: str) -> int | None:
    fields = getattr(parent, "fields", None) or {}
    field = fields.get(name)
    definition = (field.extensions or {}).get("strawberry-definition") if field else None
    value = (getattr(definition, "metadata", None) or {}).get(key)
    return int(value) if value is not None else None


Variables = Mapping[str, Any]


def _int_value(value: object) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    # Anything else does not coerce to Int: the request fails with BAD_USER_INPUT anyway.
    return None


@dataclass(frozen=True, slots=True)
class _Page:
    """A connection's page size: its `first`/`last`, each a literal, a variable or absent."""

    first: int | str | None
    last: int | str | None

    def size(self, variables: Variables, defaults: Variables) -> int:
        given = [
            _int_value(variables.get(arg, defaults.get(arg))) if isinstance(arg, str) else arg
            for arg in (self.first, self.last)
        ]
        sizes = [size for size in given if size is not None]
        size = max(sizes) if sizes else DEFAULT_PAGE_SIZE
        return min(max(size, 0), MAX_PAGE_SIZE)


_Term = tuple[int | _Page, int]


class CostPlan:
    """An operation's cost as a function of the request's variables."""

    __slots__ = ("_constant", "_defaults", "_nodes")

    def __init__(
        self, nodes: list[tuple[int, tuple[_Term, ...]]], constant: int | None, defaults: Variables
    ) -> None:
        self._nodes = nodes
        self._constant = constant
        self._defaults = defaults

    def cost(self, variables: Variables | None = None) -> int:
        if self._constant is not None:
            return self._constant
        given = variables or {}
        values: list[int] = []
        for base, terms in self._nodes:
            total = base
            for factor, child in terms:
                times = factor if isinstance(factor, int) else factor.size(given, self._defaults)
                total += times * values[child]
            values.append(total)
        return values[-1]


def _argument(node: FieldNode, name: str) -> int | str | None:
    for argument in node.arguments or ():
        if argument.name.value == name:
            value = argument.value
            if isinstance(value, IntValueNode):
                return int(value.value)
            if isinstance(value, VariableNode):
                return value.name.value
    return None


def is_connection_type(type_: GraphQLNamedType) -> bool:
    return isinstance(type_, GraphQLObjectType) and {"edges", "pageInfo"} <= type_.fields.keys()


def _is_connection(field: GraphQLField, type_: GraphQLNamedType) -> bool:
    return {"first", "last"} <= field.args.keys() and is_connection_type(type_)


def list_maximum(parent: GraphQLNamedType, name: str) -> int | None:
    if name == "edges" and is_connection_type(parent):
        # The connection field multiplies by the page size already.
        return 1
    return _declared(parent, name, _MOST)


class _Compiler:
    def __init__(self, schema: GraphQLSchema) -> None:
        self.schema = schema
        self.nodes: list[tuple[int, tuple[_Term, ...]]] = []
        self.constants: list[int | None] = []
        self.fragments: dict[str, int] = {}

    def add(self, base: int, terms: list[_Term]) -> int:
        constant: int | None = base
        for factor, child in terms:
            value = self.constants[child]
            if constant is None or not isinstance(factor, int) or value is None:
                constant = None
                break
            constant += factor * value
        self.nodes.append((base, tuple(terms)))
        self.constants.append(constant)
        return len(self.nodes) - 1

    def selection_set(self, selection_set: SelectionSetNode, parent: GraphQLNamedType) -> int:
        base, terms = 0, list[_Term]()
        fields = (
            parent.fields if isinstance(parent, (GraphQLObjectType, GraphQLInterfaceType)) else {}
        )
        for selection in selection_set.selections:
            if isinstance(selection, FieldNode):
                name = selection.name.value
                field = fields.get(name)
                # Introspection and __typename: bounded by the schema.
                if field is None or name.startswith("__"):
                    continue
                type_ = get_named_type(field.type)
                if is_leaf_type(type_):
                    base += _declared(parent, name, _WEIGHT) or 0
                    continue
                if selection.selection_set is None:
                    continue
                # An object field may weigh what its resolver does once (a preview rendered).
                base += _declared(parent, name, _WEIGHT) or 0
                below = self.selection_set(selection.selection_set, type_)
                if _is_connection(field, type_):
                    # The connection object, and what is under it once per row of the page.
                    page = _Page(_argument(selection, "first"), _argument(selection, "last"))
                    base += 1
                    terms.append((page, below))
                elif is_list_type(get_nullable_type(field.type)):
                    most = list_maximum(parent, name) or MAX_PAGE_SIZE
                    terms.append((most, self.add(1, [(1, below)])))
                else:
                    base += 1
                    terms.append((1, below))
            elif isinstance(selection, InlineFragmentNode):
                condition = selection.type_condition
                type_ = self.schema.get_type(condition.name.value) if condition else parent
                if type_ is not None:
                    terms.append((1, self.selection_set(selection.selection_set, type_)))
            elif isinstance(selection, FragmentSpreadNode):
                # Absent: undefined, or closing a cycle (validation errors).
                fragment = self.fragments.get(selection.name.value)
                if fragment is not None:
                    terms.append((1, fragment))
        return self.add(base, terms)


def _operation(document: DocumentNode, name: str | None) -> OperationDefinitionNode:
    operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    if name is None and len(operations) == 1:
        return operations[0]
    for operation in operations:
        if name is not None and operation.name is not None and operation.name.value == name:
            return operation
    raise ValueError(f"the document has no single operation named {name!r}")


def compile_cost(
    schema: GraphQLSchema, document: DocumentNode, operation_name: str | None = None
) -> CostPlan:
    """The cost plan of the operation `operation_name` (or the only one) of a valid document.

    ValueError when the document has no such operation.
    """
    operation = _operation(document, operation_name)
    compiler = _Compiler(schema)
    by_name, ordered = fragments_in_order(document)
    for fragment in ordered:
        name = fragment.name.value
        type_ = schema.get_type(fragment.type_condition.name.value)
        if by_name[name] is fragment and type_ is not None:
            compiler.fragments[name] = compiler.selection_set(fragment.selection_set, type_)
    root = schema.get_root_type(operation.operation)
    if root is None:
        return CostPlan([], 0, {})
    compiler.selection_set(operation.selection_set, root)
    defaults = {
        definition.variable.name.value: value_from_ast_untyped(definition.default_value)
        for definition in operation.variable_definitions or ()
        if definition.default_value is not None
    }
    return CostPlan(compiler.nodes, compiler.constants[-1], defaults)


def uncovered_lists(schema: GraphQLSchema) -> list[str]:
    """List fields of the schema the cost model has no maximum or weight for (want: none)."""
    missing: list[str] = []
    for type_ in schema.type_map.values():
        if not isinstance(type_, GraphQLObjectType) or type_.name.startswith("__"):
            continue
        for name, field in type_.fields.items():
            if not is_list_type(get_nullable_type(field.type)):
                continue
            if is_leaf_type(get_named_type(field.type)):
                covered = _declared(type_, name, _WEIGHT) is not None
            else:
                covered = list_maximum(type_, name) is not None
            if not covered:
                missing.append(f"{type_.name}.{name}")
    return missing
