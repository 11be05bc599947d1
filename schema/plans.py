"""How the fast executor (schema/execution.py) completes one field, decided once per schema.

A field gets a plan only when calling its Python function directly gives what strawberry's
resolver wrapper would give:

- a *basic* field (no resolver, no extensions or permission classes): strawberry calls the
  schema's default resolver with the source and the field's Python name, nothing else;
- a field whose resolver is synchronous, takes no GraphQL arguments and asks only for the
  parent (`self`, `root`, `strawberry.Parent`) and perhaps `info`, has no extensions,
  permission classes or exception handlers: strawberry builds an Info, converts no
  arguments and calls the function with the source (and the Info) in those places, nothing
  else. The plan does the same: `info` plans get graphql-core's resolve info (the
  executor's own `build_resolve_info`) and make the Info with strawberry's own factory.

Everything else (resolvers with arguments, async resolvers, extensions, policies,
introspection) has no plan and goes graphql-core's way. A plan also says what the value is
completed as: a leaf (coerced by its scalar or enum; plain str/bool/int values of the
built-in scalars are already their own output), an object type without `is_type_of`, or
whose `is_type_of` is an isinstance check that ignores its Info (Node's: the check is made
inline and the sub-selection executed directly; a value it refuses is completed by
graphql-core, which raises the error), or anything else (graphql-core's completion with the
value already read).
"""

from __future__ import annotations

import weakref
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from graphql import (
    GRAPHQL_MAX_INT,
    GRAPHQL_MIN_INT,
    GraphQLBoolean,
    GraphQLField,
    GraphQLID,
    GraphQLInt,
    GraphQLLeafType,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLOutputType,
    GraphQLSchema,
    GraphQLString,
    is_leaf_type,
)
from strawberry.schema.schema_converter import GraphQLCoreConverter
from strawberry.types.field import StrawberryField
from strawberry.types.fields.resolver import StrawberryResolver

__all__ = [
    "LEAF",
    "OBJECT",
    "OTHER",
    "ItemPlan",
    "Plan",
    "SchemaPlans",
    "TypeName",
    "field_plan",
    "item_plan",
    "plans_of",
]

# strawberry's resolvers (schema_converter.py, `from_resolver`): for a basic field (it
# ignores the info argument), and the synchronous wrapper of a field with a resolver.
_BASIC_RESOLVER_NAME = "_get_basic_result"
_SYNC_RESOLVER_NAME = "_resolver"
_INFO_FACTORY_NAME = "_strawberry_info_from_graphql"

LEAF, OBJECT, OTHER = 0, 1, 2


class Plan(NamedTuple):
    """How to read and complete one field without graphql-core's field machinery."""

    # basic: `read(source, python_name)` (strawberry's default resolver); with `info`:
    # `read(source, graphql-core's resolve info)`; else `read(source)`.
    read: Callable[..., Any]
    python_name: str
    basic: bool
    kind: int
    non_null: bool
    field_def: GraphQLField
    # LEAF: the scalar's or enum's output coercion, and the value type that needs none.
    coerce: Callable[[Any], Any] | None = None
    passthrough: type | None = None
    # OBJECT: the object type (with no is_type_of, or one that is an isinstance check).
    object_type: GraphQLObjectType | None = None
    # OBJECT: the classes its is_type_of accepts (None: it has none).
    classes: tuple[type, ...] | None = None
    # The resolver asks for `info`: `read` takes graphql-core's resolve info too.
    info: bool = False


class TypeName:
    """`__typename` on an object type: its name, as graphql-core's meta field answers."""


def _passthrough(leaf: GraphQLLeafType) -> type | None:
    # serialize_string / serialize_id / serialize_boolean return values of these exact types
    # as they are; Int only within its range (checked where it is used).
    if leaf is GraphQLString or leaf is GraphQLID:
        return str
    if leaf is GraphQLBoolean:
        return bool
    if leaf is GraphQLInt:
        return int
    return None


def int_in_range(value: int) -> bool:
    return GRAPHQL_MIN_INT <= value <= GRAPHQL_MAX_INT


def _info_call(
    resolver: StrawberryResolver[Any], make_info: Callable[[Any], Any]
) -> Callable[[Any, Any], Any] | None:
    """A resolver asking for the parent and `info`, called as strawberry's get_arguments
    would call it, its Info made by strawberry's own factory (`make_info`); or None."""
    info = resolver.info_parameter
    if info is None or resolver.is_async or not callable(resolver.wrapped_func):
        return None
    if type(resolver).__call__ is not StrawberryResolver.__call__:
        return None
    func: Callable[..., Any] = resolver.wrapped_func
    as_self = resolver.self_parameter is not None
    names = _parent_names(resolver)
    info_name = info.name

    def call(source: Any, raw_info: Any) -> Any:
        kwargs = dict.fromkeys(names, source)
        kwargs[info_name] = make_info(raw_info)
        return func(*((source,) if as_self else ()), **kwargs)

    return call


def _parent_names(resolver: StrawberryResolver[Any]) -> tuple[str, ...]:
    return tuple(
        {p.name for p in (resolver.parent_parameter, resolver.root_parameter) if p is not None}
    )


def _parent_call(resolver: StrawberryResolver[Any]) -> Callable[[Any], Any] | None:
    """The resolver's function called as strawberry's get_arguments would call it, or None."""
    if (
        type(resolver).__call__ is not StrawberryResolver.__call__
        or resolver.info_parameter is not None
        or resolver.is_async
        or not callable(resolver.wrapped_func)
    ):
        return None
    func: Callable[..., Any] = resolver.wrapped_func
    as_self = resolver.self_parameter is not None
    names = _parent_names(resolver)
    if as_self and not names:
        return func
    if not as_self and len(names) == 1:
        (name,) = names

        def by_name(source: Any) -> Any:
            return func(**{name: source})

        return by_name

    def call(source: Any) -> Any:
        return func(*((source,) if as_self else ()), **dict.fromkeys(names, source))

    return call


def _closure_of(resolve: Callable[..., Any]) -> dict[str, Any]:
    # strawberry's wrapper closes over the handlers that may apply to the field, and over
    # its Info factory.
    code = getattr(resolve, "__code__", None)
    closure = getattr(resolve, "__closure__", None) or ()
    if code is None:
        return {}
    return {name: cell.cell_contents for name, cell in zip(code.co_freevars, closure, strict=False)}


def _no_exception_handlers(cells: dict[str, Any]) -> bool:
    return "field_exception_handlers" in cells and not cells["field_exception_handlers"]


def field_plan(parent_type: GraphQLObjectType, name: str) -> Plan | TypeName | None:
    if name == "__typename":
        return TypeName()
    field_def = parent_type.fields.get(name)
    if field_def is None or field_def.args:
        return None
    resolve = field_def.resolve
    definition = (field_def.extensions or {}).get(GraphQLCoreConverter.DEFINITION_BACKREF)
    if (
        resolve is None
        or not isinstance(definition, StrawberryField)
        or type(definition).get_result is not StrawberryField.get_result
        or definition.extensions
    ):
        return None
    resolve_name = getattr(resolve, "__name__", "")
    read: Callable[..., Any] | None
    info = False
    if resolve_name == _BASIC_RESOLVER_NAME:
        if not definition.is_basic_field or definition.base_resolver is not None:
            return None
        read, basic = definition.default_resolver, True
    elif resolve_name == _SYNC_RESOLVER_NAME:
        resolver = definition.base_resolver
        cells = _closure_of(resolve)
        if (
            resolver is None
            or definition.arguments
            or definition.is_async
            or not _no_exception_handlers(cells)
        ):
            return None
        basic = False
        read = _parent_call(resolver)
        if read is None and callable(make_info := cells.get(_INFO_FACTORY_NAME)):
            read, info = _info_call(resolver, make_info), True
        if read is None:
            return None
    else:
        return None
    return_type = field_def.type
    non_null = isinstance(return_type, GraphQLNonNull)
    inner = return_type.of_type if isinstance(return_type, GraphQLNonNull) else return_type
    common = (read, definition.python_name, basic)
    if is_leaf_type(inner):
        leaf: GraphQLLeafType = inner
        return Plan(
            *common,
            LEAF,
            non_null,
            field_def,
            leaf.coerce_output_value,
            _passthrough(leaf),
            info=info,
        )
    if isinstance(inner, GraphQLObjectType):
        classes = type_check_classes(inner)
        if inner.is_type_of is None or classes is not None:
            return Plan(
                *common, OBJECT, non_null, field_def, object_type=inner, classes=classes, info=info
            )
    return Plan(*common, OTHER, non_null, field_def, info=info)


def type_check_classes(object_type: GraphQLObjectType) -> tuple[type, ...] | None:
    """The classes `object_type.is_type_of` accepts, when it is known to be that isinstance
    check and nothing else (it says so with `classes_of`, as Node's does); else None."""
    is_type_of = object_type.is_type_of
    classes_of = getattr(is_type_of, "classes_of", None)
    owner = getattr(is_type_of, "__self__", None)
    if classes_of is None or owner is None:
        return None
    found: tuple[type, ...] = classes_of(owner)
    return found


def item_plan(item_type: GraphQLOutputType) -> ItemPlan | None:
    """How the items of a list of `item_type` complete: leaves or objects, else None."""
    non_null = isinstance(item_type, GraphQLNonNull)
    inner = item_type.of_type if isinstance(item_type, GraphQLNonNull) else item_type
    if is_leaf_type(inner):
        leaf: GraphQLLeafType = inner
        return ItemPlan(LEAF, non_null, leaf.coerce_output_value, None)
    if isinstance(inner, GraphQLObjectType):
        return ItemPlan(OBJECT, non_null, None, inner, type_check_classes(inner))
    return None


class ItemPlan(NamedTuple):
    kind: int
    non_null: bool
    coerce: Callable[[Any], Any] | None
    object_type: GraphQLObjectType | None
    # OBJECT: the classes its is_type_of accepts, when it is that isinstance check.
    classes: tuple[type, ...] | None = None


@dataclass(slots=True)
class SchemaPlans:
    """What the executor works out once per schema, found with one lookup per request."""

    # Per object type name, per field name: how it completes (None: the normal way).
    fields: dict[str, dict[str, Plan | TypeName | None]] = field(default_factory=dict)
    # Per list item type: how its items complete (None: the normal way).
    items: dict[GraphQLOutputType, ItemPlan | None] = field(default_factory=dict)
    # Operations whose collection is kept across requests (schema/collection.py).
    operations: dict[int, Any] = field(default_factory=dict)
    defer: bool = False
    stream: bool = False


_SCHEMAS: dict[int, tuple[weakref.ref[GraphQLSchema], SchemaPlans]] = {}


def plans_of(schema: GraphQLSchema) -> SchemaPlans:
    key = id(schema)
    hit = _SCHEMAS.get(key)
    if hit is not None and hit[0]() is schema:
        return hit[1]
    plans = SchemaPlans(
        defer=schema.get_directive("defer") is not None,
        stream=schema.get_directive("stream") is not None,
    )
    _SCHEMAS[key] = (weakref.ref(schema, lambda _: _SCHEMAS.pop(key, None)), plans)
    return plans
