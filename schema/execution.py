"""The GraphQL executor: graphql-core's, with a fast path for leaves that need no resolver.

Most fields of a response are scalars read straight off their parent (strawberry "basic"
fields: no resolver, no permission classes or other field extensions): a page of 20 public
scripts has ~260 of them among ~345 fields. graphql-core runs each one through the whole
field machinery: a resolve-info tuple, a response path, the resolver, `is_awaitable`
checks and `complete_value`'s type dispatch (~3.7 us a field here). For those fields this
executor calls the field's own resolver (strawberry's, so its `default_resolver` still
decides the value: the global `id` of a Node is computed there) and coerces the value with
the field type's own `coerce_output_value`, nothing else.

What keeps the spec: the fast path is taken only when its answer is the one graphql-core
would give; a value that is null for a non-null field, an exception (raised or returned),
an awaitable, or a value the scalar refuses goes the normal way with the value already
read, so its error, path and null propagation are graphql-core's own. Everything else
(fields with resolvers or permission classes, objects, abstract types and `is_type_of`,
introspection) is untouched; `@include`/`@skip`, aliases and fragments are resolved before
(field collection), and the response keeps the document's order. A schema with resolver
middleware (a strawberry extension implementing `resolve`) runs entirely the normal way.
Lists of scalars that are already there (e.g. generatedDialogue) are coerced in one loop.

tests/unit/test_execution.py and tests/api/test_executor_differential.py run documents
through this and graphql-core's stock executor and compare data and errors exactly.

Both executors also settle what a variable value that does not coerce means: graphql-core
coerces the request's variable values while it builds the executor, before any resolver
runs, and returns what it cannot build on as a list of errors. The operation to run is
settled before (schema.document), so those errors are the values' alone: the client's input,
Apollo's BAD_USER_INPUT (a variable *declaration* that does not fit the document is a
validation error). With `quiet` set (production: no field suggestions) their messages carry
no "Did you mean" either.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from typing import Any, ClassVar, NamedTuple
from weakref import WeakKeyDictionary

from graphql import (
    GraphQLEnumType,
    GraphQLField,
    GraphQLInterfaceType,
    GraphQLLeafType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLOutputType,
    GraphQLScalarType,
    GraphQLSchema,
    GraphQLUnionType,
    is_leaf_type,
)
from graphql.execution.collect_fields import FieldDetailsList, GroupedFieldSet
from graphql.execution.executor import to_nodes
from graphql.pyutils import Path, Undefined, gather_with_cancel
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext
from strawberry.schema.schema_converter import GraphQLCoreConverter
from strawberry.types.field import StrawberryField

from resolvers.errors import ErrorCode
from schema.errors import tag

__all__ = ["FastExecutionContext", "StockExecutionContext", "quiet"]

# strawberry's resolver for a field without resolver or extensions (schema_converter.py,
# `from_resolver`): it ignores the info argument.
_BASIC_RESOLVER_NAME = "_get_basic_result"
_MISSING: Any = object()
# Values of these types are neither exceptions nor awaitables: no need to ask.
_PLAIN: frozenset[type] = frozenset({str, int, float, bool, datetime, date})


class _Leaf(NamedTuple):
    """How to complete one basic leaf field without graphql-core's field machinery."""

    # What strawberry's basic resolver calls: `StrawberryField.get_result` without a base
    # resolver is `default_resolver(source, python_name)`.
    read: Callable[[Any, str], Any]
    python_name: str
    coerce: Callable[[Any], Any]
    non_null: bool
    field_def: GraphQLField


class _TypeName:
    """`__typename` on an object type: its name, as graphql-core's meta field answers."""


_TYPENAME = _TypeName()
_Plan = _Leaf | _TypeName | None
_Entry = tuple[str, FieldDetailsList, _Plan]

# Per schema, per object type name, per field name: how it completes (None: the normal way).
_PLANS: WeakKeyDictionary[GraphQLSchema, dict[str, dict[str, _Plan]]] = WeakKeyDictionary()
# Per schema, per list item type: (coerce, item is non-null) when items are leaves.
_LEAF_ITEMS: WeakKeyDictionary[
    GraphQLSchema, dict[GraphQLOutputType, tuple[Callable[[Any], Any], bool] | None]
] = WeakKeyDictionary()


def _leaf_plan(parent_type: GraphQLObjectType, name: str) -> _Plan:
    if name == "__typename":
        return _TYPENAME
    field_def = parent_type.fields.get(name)
    if field_def is None or field_def.args:
        return None
    resolve = field_def.resolve
    definition = (field_def.extensions or {}).get(GraphQLCoreConverter.DEFINITION_BACKREF)
    if (
        resolve is None
        or getattr(resolve, "__name__", "") != _BASIC_RESOLVER_NAME
        or not isinstance(definition, StrawberryField)
        or not definition.is_basic_field
        or type(definition).get_result is not StrawberryField.get_result
        or definition.base_resolver is not None
    ):
        return None
    return_type = field_def.type
    non_null = isinstance(return_type, GraphQLNonNull)
    inner = return_type.of_type if isinstance(return_type, GraphQLNonNull) else return_type
    if not is_leaf_type(inner):
        return None
    leaf: GraphQLLeafType = inner
    return _Leaf(
        definition.default_resolver,
        definition.python_name,
        leaf.coerce_output_value,
        non_null,
        field_def,
    )


def _leaf_items(item_type: GraphQLOutputType) -> tuple[Callable[[Any], Any], bool] | None:
    non_null = isinstance(item_type, GraphQLNonNull)
    inner = item_type.of_type if isinstance(item_type, GraphQLNonNull) else item_type
    if not is_leaf_type(inner):
        return None
    leaf: GraphQLLeafType = inner
    return leaf.coerce_output_value, non_null


class _CoercionTagged(StrawberryGraphQLCoreExecutionContext):
    # Set on the quiet variants: coercion messages without hints (enum values, input fields).
    quiet: ClassVar[bool] = False

    @classmethod
    def build(cls, *args: Any, **kwargs: Any) -> Any:
        if cls.quiet:
            kwargs["hide_suggestions"] = True
        built = super().build(*args, **kwargs)
        if isinstance(built, list):
            for error in built:
                tag(error, ErrorCode.BAD_USER_INPUT)
        return built


def quiet(executor: type[_CoercionTagged]) -> type[_CoercionTagged]:
    """`executor` with its coercion messages' hints hidden (production)."""
    return type(f"Quiet{executor.__name__}", (executor,), {"quiet": True})


class StockExecutionContext(_CoercionTagged):
    """strawberry's own executor (graphql-core's), for comparison in tests."""


class FastExecutionContext(_CoercionTagged):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        manager = self.middleware_manager
        # Middleware wraps every resolver, basic ones included: then nothing may skip it.
        self._fast = manager is None or not manager.middlewares
        # @stream would make lists incremental; only a schema without it takes the list path
        # (no resolver runs there, so middleware does not matter).
        self._fast_lists = self.schema.get_directive("stream") is None
        plans = _PLANS.get(self.schema)
        if plans is None:
            plans = _PLANS[self.schema] = {}
        self._plans = plans
        leaf_items = _LEAF_ITEMS.get(self.schema)
        if leaf_items is None:
            leaf_items = _LEAF_ITEMS[self.schema] = {}
        self._leaf_items = leaf_items
        # Per request, per grouped field set (collected once per selection and type, then
        # reused for every object of a list): its fields with their plans.
        self._entries: dict[int, tuple[GroupedFieldSet, list[_Entry]]] = {}

    def _entries_of(
        self, parent_type: GraphQLObjectType, grouped_field_set: GroupedFieldSet
    ) -> list[_Entry]:
        cached = self._entries.get(id(grouped_field_set))
        if cached is not None and cached[0] is grouped_field_set:
            return cached[1]
        by_name = self._plans.get(parent_type.name)
        if by_name is None:
            by_name = self._plans[parent_type.name] = {}
        entries: list[_Entry] = []
        for response_name, field_details_list in grouped_field_set.items():
            node = field_details_list[0].node
            name = node.name.value
            plan = by_name.get(name, _MISSING)
            if plan is _MISSING:
                plan = by_name[name] = _leaf_plan(parent_type, name)
            if node.arguments or field_details_list[0].fragment_variable_values:
                plan = None
            entries.append((response_name, field_details_list, plan))
        # The grouped field set is kept alive with its entries, so its id is not reused.
        self._entries[id(grouped_field_set)] = (grouped_field_set, entries)
        return entries

    def execute_fields(
        self,
        parent_type: GraphQLObjectType,
        source_value: Any,
        path: Path | None,
        grouped_field_set: GroupedFieldSet,
        position_context: Any,
    ) -> Any:
        # graphql-core's execute_fields, with basic leaves and __typename completed inline.
        if not self._fast:
            return super().execute_fields(
                parent_type, source_value, path, grouped_field_set, position_context
            )
        results: dict[str, Any] = {}
        is_awaitable = self.is_awaitable
        awaitable_fields: list[str] = []
        try:
            for response_name, field_details_list, plan in self._entries_of(
                parent_type, grouped_field_set
            ):
                if plan is _TYPENAME:
                    results[response_name] = parent_type.name
                    continue
                if plan is not None:
                    assert isinstance(plan, _Leaf)
                    result = self._complete_leaf(
                        plan,
                        parent_type,
                        source_value,
                        field_details_list,
                        path,
                        response_name,
                        position_context,
                    )
                else:
                    result = self.execute_field(
                        parent_type,
                        source_value,
                        field_details_list,
                        Path(path, response_name, parent_type.name),
                        position_context,
                    )
                if result is not Undefined:
                    results[response_name] = result
                    if is_awaitable(result):
                        awaitable_fields.append(response_name)
        except Exception:
            if awaitable_fields:
                self.settle_in_background([results[field] for field in awaitable_fields])
            raise

        if not awaitable_fields:
            return results

        async def get_results() -> dict[str, Any]:
            if len(awaitable_fields) == 1:
                field = awaitable_fields[0]
                results[field] = await results[field]
            else:
                awaited_results = await gather_with_cancel(
                    *(results[field] for field in awaitable_fields)
                )
                results.update(zip(awaitable_fields, awaited_results, strict=True))
            return results

        return get_results()

    def _complete_leaf(
        self,
        plan: _Leaf,
        parent_type: GraphQLObjectType,
        source_value: Any,
        field_details_list: FieldDetailsList,
        path: Path | None,
        response_name: str,
        position_context: Any,
    ) -> Any:
        try:
            value = plan.read(source_value, plan.python_name)
        except Exception as raw_error:
            return self._complete_normally(
                plan, parent_type, field_details_list, path, response_name, position_context,
                _MISSING, raw_error,
            )  # fmt: skip
        if value is None:
            if not plan.non_null:
                return None
        elif type(value) in _PLAIN or not (
            isinstance(value, Exception) or value is Undefined or self.is_awaitable(value)
        ):
            try:
                coerced = plan.coerce(value)
            except Exception:
                coerced = None
            if coerced is not None and coerced is not Undefined:
                return coerced
        # Whatever graphql-core would turn into an error (or await): its own way, same value.
        return self._complete_normally(
            plan, parent_type, field_details_list, path, response_name, position_context,
            value, None,
        )  # fmt: skip

    def _complete_normally(
        self,
        plan: _Leaf,
        parent_type: GraphQLObjectType,
        field_details_list: FieldDetailsList,
        path: Path | None,
        response_name: str,
        position_context: Any,
        value: Any,
        raised: Exception | None,
    ) -> Any:
        # execute_field after its resolver call, with the value the resolver gave.
        field_path = Path(path, response_name, parent_type.name)
        return_type = plan.field_def.type
        info = self.build_resolve_info(
            plan.field_def, to_nodes(field_details_list), parent_type, field_path
        )
        try:
            if raised is not None:
                raise raised
            if self.is_awaitable(value):
                return self.complete_awaitable_value(
                    return_type, field_details_list, info, field_path, value, position_context
                )
            return self.complete_value(
                return_type, field_details_list, info, field_path, value, position_context
            )
        except Exception as raw_error:
            self.handle_field_error(raw_error, return_type, field_details_list, field_path)
            return None

    def complete_value(
        self,
        return_type: GraphQLOutputType,
        field_details_list: FieldDetailsList,
        info: Any,
        path: Path,
        result: Any,
        position_context: Any,
    ) -> Any:
        # graphql-core's complete_value with its type checks inlined (is_*_type are
        # isinstance checks); the order of the checks, and so every error, is the same.
        if isinstance(result, Exception):
            raise result
        if isinstance(return_type, GraphQLNonNull):
            completed = self.complete_value(
                return_type.of_type, field_details_list, info, path, result, position_context
            )
            if completed is None:
                msg = (
                    "Cannot return null for non-nullable field"
                    f" {info.parent_type}.{info.field_name}."
                )
                raise TypeError(msg)
            return completed
        if result is None or result is Undefined:
            return None
        if isinstance(return_type, GraphQLList):
            return self.complete_list_value(
                return_type, field_details_list, info, path, result, position_context
            )
        if isinstance(return_type, (GraphQLScalarType, GraphQLEnumType)):
            return self.complete_leaf_value(return_type, result)
        if isinstance(return_type, (GraphQLInterfaceType, GraphQLUnionType)):
            return self.complete_abstract_value(
                return_type, field_details_list, info, path, result, position_context
            )
        if isinstance(return_type, GraphQLObjectType):
            return self.complete_object_value(
                return_type, field_details_list, info, path, result, position_context
            )
        return super().complete_value(
            return_type, field_details_list, info, path, result, position_context
        )

    def complete_list_value(
        self,
        return_type: GraphQLList[GraphQLOutputType],
        field_details_list: FieldDetailsList,
        info: Any,
        path: Path,
        result: Any,
        position_context: Any,
    ) -> Any:
        # A list of scalars that is already there: coerce each, or go the normal way.
        if self._fast_lists and type(result) in (list, tuple):
            item_type = return_type.of_type
            leaf = self._leaf_items.get(item_type, _MISSING)
            if leaf is _MISSING:
                leaf = self._leaf_items[item_type] = _leaf_items(item_type)
            if leaf is not None:
                completed = self._coerce_items(result, *leaf)
                if completed is not None:
                    return completed
        return super().complete_list_value(
            return_type, field_details_list, info, path, result, position_context
        )

    def _coerce_items(
        self, items: list[Any] | tuple[Any, ...], coerce: Callable[[Any], Any], non_null: bool
    ) -> list[Any] | None:
        is_awaitable = self.is_awaitable
        completed: list[Any] = []
        append = completed.append
        for item in items:
            if item is None:
                if non_null:
                    return None
                append(None)
                continue
            if isinstance(item, Exception) or item is Undefined or is_awaitable(item):
                return None
            try:
                coerced = coerce(item)
            except Exception:
                return None
            if coerced is None or coerced is Undefined:
                return None
            append(coerced)
        return completed
