"""The GraphQL executor: graphql-core's, with a fast path for fields that need no Info.

Most fields of a response are scalars read straight off their parent (strawberry "basic"
fields: no resolver, no permission classes or other field extensions): a page of 20 public
scripts has ~260 of them among ~345 fields. graphql-core runs each one through the whole
field machinery: a resolve-info tuple, a response path, the resolver, `is_awaitable`
checks and `complete_value`'s type dispatch (~3.7 us a field here). Fields that have a plan
(schema/plans.py: basic fields, and synchronous resolvers that take only the parent, e.g.
a connection's `edges` and `pageInfo`, `descriptionSummary`) are read by calling their
Python function directly (for basic fields strawberry's `default_resolver`, which still
decides the value: the global `id` of a Node is computed there), without strawberry's
resolver wrapper (Info, argument conversion, the extension chain) or graphql-core's
`execute_field`; leaves are coerced with the field type's own `coerce_output_value` (or
kept, for a plain str/bool/int of the built-in scalars), and an object type without
`is_type_of` (edges, page info, scripts) has its sub-selection executed directly.

What keeps the spec: the fast path is taken only when its answer is the one graphql-core
would give; a value that is null for a non-null field, an exception (raised or returned),
an awaitable, or a value the scalar refuses goes the normal way with the value already
read, so its error, path and null propagation are graphql-core's own. Object types with
`is_type_of` are completed by graphql-core's complete_object_value, with a real Info.
Everything else (fields with arguments, `info`, async resolvers or permission classes and
other extensions, abstract types, introspection) is untouched; `@include`/`@skip`,
aliases and fragments are resolved before (field collection), and the response keeps the
document's order. A schema with resolver middleware (a strawberry extension implementing
`resolve`) runs entirely the normal way. Lists that are already there are completed in one
loop: scalars coerced (e.g. generatedDialogue), objects each completed as graphql-core's
complete_list_item_value would, errors at the item's path.

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

from collections.abc import Awaitable, Callable
from datetime import date, datetime
from typing import Any, ClassVar
from weakref import WeakKeyDictionary

from graphql import (
    GraphQLEnumType,
    GraphQLInterfaceType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLOutputType,
    GraphQLScalarType,
    GraphQLSchema,
    GraphQLUnionType,
)
from graphql.execution.collect_fields import FieldDetailsList, GroupedFieldSet
from graphql.execution.executor import to_nodes
from graphql.pyutils import Path, Undefined, gather_with_cancel
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext

from resolvers.errors import ErrorCode
from schema.awaitable import fast_is_awaitable
from schema.errors import tag
from schema.plans import (
    LEAF,
    OBJECT,
    ItemPlan,
    Plan,
    TypeName,
    field_plan,
    int_in_range,
    item_plan,
)

__all__ = ["FastExecutionContext", "StockExecutionContext", "quiet"]

_MISSING: Any = object()
# Values of these types are neither exceptions nor awaitables: no need to ask.
_PLAIN: frozenset[type] = frozenset({str, int, float, bool, datetime, date})

# (response name, its fields, its plan, and for a basic leaf whose value is usually already
# its output: the read as a one-argument function, the output's type, whether non-null).
_Entry = tuple[
    str, FieldDetailsList, Plan | TypeName | None, Callable[[Any], Any] | None, type | None, bool
]

# Per schema, per object type name, per field name: how it completes (None: the normal way).
_PLANS: WeakKeyDictionary[GraphQLSchema, dict[str, dict[str, Plan | TypeName | None]]] = (
    WeakKeyDictionary()
)
# Per schema, per list item type: how its items complete (None: the normal way).
_ITEM_PLANS: WeakKeyDictionary[GraphQLSchema, dict[GraphQLOutputType, ItemPlan | None]] = (
    WeakKeyDictionary()
)


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


def _getter(plan: Plan) -> Callable[[Any], Any]:
    """The plan's read of its basic field as a function of the source alone."""
    read, name = plan.read, plan.python_name
    make = getattr(read, "getter", None)
    if make is not None:
        found: Callable[[Any], Any] = make(name)
        return found
    return lambda source: read(source, name)


class StockExecutionContext(_CoercionTagged):
    """strawberry's own executor (graphql-core's), for comparison in tests."""


class FastExecutionContext(_CoercionTagged):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Asked of every value; on model rows strawberry's answer costs a pydantic lookup.
        self.is_awaitable = fast_is_awaitable(self.is_awaitable)
        manager = self.middleware_manager
        # Middleware wraps every resolver, basic ones included: then nothing may skip it.
        self._fast = manager is None or not manager.middlewares
        # @stream would make lists incremental; only a schema without it takes the list path.
        self._fast_lists = self.schema.get_directive("stream") is None
        plans = _PLANS.get(self.schema)
        if plans is None:
            plans = _PLANS[self.schema] = {}
        self._plans = plans
        item_plans = _ITEM_PLANS.get(self.schema)
        if item_plans is None:
            item_plans = _ITEM_PLANS[self.schema] = {}
        self._item_plans = item_plans
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
                plan = by_name[name] = field_plan(parent_type, name)
            if node.arguments or field_details_list[0].fragment_variable_values:
                plan = None
            getter = None
            if isinstance(plan, Plan) and plan.basic and plan.kind == LEAF and plan.passthrough:
                getter = _getter(plan)
            passthrough = plan.passthrough if getter is not None else None
            non_null = isinstance(plan, Plan) and plan.non_null
            entries.append((response_name, field_details_list, plan, getter, passthrough, non_null))
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
        # graphql-core's execute_fields, with planned fields and __typename completed inline.
        if not self._fast or position_context is not None:
            return super().execute_fields(
                parent_type, source_value, path, grouped_field_set, position_context
            )
        results: dict[str, Any] = {}
        is_awaitable = self.is_awaitable
        awaitable_fields: list[str] = []
        try:
            for (
                response_name,
                field_details_list,
                plan,
                getter,
                passthrough,
                non_null,
            ) in self._entries_of(parent_type, grouped_field_set):
                if getter is not None:
                    # A basic leaf: a str, bool or in-range int is its own output, a null of
                    # a nullable field is null; anything else is completed the planned way
                    # with the value read (never read twice).
                    assert isinstance(plan, Plan)
                    try:
                        value = getter(source_value)
                    except Exception as raw_error:
                        result = self._complete_normally(
                            plan,
                            parent_type,
                            field_details_list,
                            path,
                            response_name,
                            _MISSING,
                            raw_error,
                        )
                    else:
                        kind = type(value)
                        if kind is passthrough and (kind is not int or int_in_range(value)):
                            results[response_name] = value
                            continue
                        if value is None and not non_null:
                            results[response_name] = None
                            continue
                        result = self._complete_planned(
                            plan,
                            parent_type,
                            source_value,
                            field_details_list,
                            path,
                            response_name,
                            value,
                        )
                elif plan is None:
                    result = self.execute_field(
                        parent_type,
                        source_value,
                        field_details_list,
                        Path(path, response_name, parent_type.name),
                        position_context,
                    )
                elif isinstance(plan, TypeName):
                    results[response_name] = parent_type.name
                    continue
                else:
                    result = self._execute_planned(
                        plan, parent_type, source_value, field_details_list, path, response_name
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

    def _execute_planned(
        self,
        plan: Plan,
        parent_type: GraphQLObjectType,
        source_value: Any,
        field_details_list: FieldDetailsList,
        path: Path | None,
        response_name: str,
    ) -> Any:
        # execute_field for a planned field: its function called directly, its value
        # completed inline when nothing can go wrong, else graphql-core's way with that value.
        try:
            if plan.basic:
                value = plan.read(source_value, plan.python_name)
            else:
                value = plan.read(source_value)
        except Exception as raw_error:
            return self._complete_normally(
                plan, parent_type, field_details_list, path, response_name, _MISSING, raw_error
            )
        return self._complete_planned(
            plan, parent_type, source_value, field_details_list, path, response_name, value
        )

    def _complete_planned(
        self,
        plan: Plan,
        parent_type: GraphQLObjectType,
        source_value: Any,
        field_details_list: FieldDetailsList,
        path: Path | None,
        response_name: str,
        value: Any,
    ) -> Any:
        if value is None:
            if not plan.non_null:
                return None
        elif plan.kind == LEAF:
            kind = type(value)
            if kind is plan.passthrough and (kind is not int or int_in_range(value)):
                return value
            if kind in _PLAIN or not (
                isinstance(value, Exception) or value is Undefined or self.is_awaitable(value)
            ):
                assert plan.coerce is not None
                try:
                    coerced = plan.coerce(value)
                except Exception:
                    coerced = None
                if coerced is not None and coerced is not Undefined:
                    return coerced
        elif plan.kind == OBJECT and not (
            isinstance(value, Exception) or value is Undefined or self.is_awaitable(value)
        ):
            return self._complete_object(
                plan, parent_type, field_details_list, path, response_name, value
            )
        # Whatever graphql-core would turn into an error, await or complete: its own way.
        return self._complete_normally(
            plan, parent_type, field_details_list, path, response_name, value, None
        )

    def _complete_object(
        self,
        plan: Plan,
        parent_type: GraphQLObjectType,
        field_details_list: FieldDetailsList,
        path: Path | None,
        response_name: str,
        value: Any,
    ) -> Any:
        # complete_object_value for an object type without is_type_of: its sub-selection,
        # with execute_field's error handling.
        object_type = plan.object_type
        assert object_type is not None
        field_path = Path(path, response_name, parent_type.name)
        return_type = plan.field_def.type
        try:
            grouped_field_set, new_defer_usages, _ = self.collect_subfields(
                object_type, field_details_list
            )
            if new_defer_usages:
                completed = self.execute_collected_subfields(
                    object_type, value, field_path, grouped_field_set, new_defer_usages, None
                )
            else:
                completed = self.execute_fields(
                    object_type, value, field_path, grouped_field_set, None
                )
        except Exception as raw_error:
            self.handle_field_error(raw_error, return_type, field_details_list, field_path)
            return None
        if self.is_awaitable(completed):
            return self._await_field(completed, return_type, field_details_list, field_path)
        return completed

    async def _await_field(
        self,
        completed: Awaitable[Any],
        return_type: GraphQLOutputType,
        field_details_list: FieldDetailsList,
        path: Path,
    ) -> Any:
        # execute_field's await_completed.
        try:
            return await completed
        except Exception as raw_error:
            self.handle_field_error(raw_error, return_type, field_details_list, path)
            return None

    def _complete_normally(
        self,
        plan: Plan,
        parent_type: GraphQLObjectType,
        field_details_list: FieldDetailsList,
        path: Path | None,
        response_name: str,
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
                    return_type, field_details_list, info, field_path, value, None
                )
            completed = self.complete_value(
                return_type, field_details_list, info, field_path, value, None
            )
        except Exception as raw_error:
            self.handle_field_error(raw_error, return_type, field_details_list, field_path)
            return None
        if self.is_awaitable(completed):
            return self._await_field(completed, return_type, field_details_list, field_path)
        return completed

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
        # A list that is already there (no @stream possible): scalars coerced each, or the
        # normal way; objects completed in one loop.
        if self._fast_lists and position_context is None and type(result) in (list, tuple):
            item_type = return_type.of_type
            items = self._item_plans.get(item_type, _MISSING)
            if items is _MISSING:
                items = self._item_plans[item_type] = item_plan(item_type)
            if items is not None:
                if items.kind == LEAF:
                    assert items.coerce is not None
                    completed = self._coerce_items(result, items.coerce, items.non_null)
                    if completed is not None:
                        return completed
                elif self._fast:
                    assert items.object_type is not None
                    return self._complete_objects(
                        item_type, items.object_type, field_details_list, info, path, result
                    )
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

    def _complete_objects(
        self,
        item_type: GraphQLOutputType,
        object_type: GraphQLObjectType,
        field_details_list: FieldDetailsList,
        info: Any,
        path: Path,
        items: list[Any] | tuple[Any, ...],
    ) -> Any:
        # graphql-core's complete_iterable_value, complete_list_item_value and, for each
        # object, complete_value and (without is_type_of) complete_object_value, in one loop.
        is_awaitable = self.is_awaitable
        direct = object_type.is_type_of is None
        grouped_field_set: GroupedFieldSet | None = None
        if direct:
            grouped_field_set, new_defer_usages, _ = self.collect_subfields(
                object_type, field_details_list
            )
            direct = not new_defer_usages
        completed_results: list[Any] = []
        append = completed_results.append
        awaitable_indices: list[int] = []
        index = 0
        try:
            for index, item in enumerate(items):
                item_path = path.add_key(index, None)
                if is_awaitable(item):
                    append(
                        self.complete_awaitable_list_item_value(
                            item, item_type, field_details_list, info, item_path, None
                        )
                    )
                    awaitable_indices.append(index)
                    continue
                try:
                    if (
                        direct
                        and item is not None
                        and item is not Undefined
                        and not isinstance(item, Exception)
                    ):
                        assert grouped_field_set is not None
                        completed_item = self.execute_fields(
                            object_type, item, item_path, grouped_field_set, None
                        )
                    else:
                        completed_item = self.complete_value(
                            item_type, field_details_list, info, item_path, item, None
                        )
                    if is_awaitable(completed_item):
                        append(
                            self._await_field(
                                completed_item, item_type, field_details_list, item_path
                            )
                        )
                        awaitable_indices.append(index)
                    else:
                        append(completed_item)
                except Exception as raw_error:
                    self.handle_field_error(raw_error, item_type, field_details_list, item_path)
                    append(None)
        except Exception:
            # As graphql-core: awaitables made so far, and those still in the list, settle.
            pending = [completed_results[i] for i in awaitable_indices]
            pending.extend(item for item in items[index + 1 :] if is_awaitable(item))
            if pending:
                self.settle_in_background(pending)
            raise

        if not awaitable_indices:
            return completed_results

        async def get_completed_results() -> list[Any]:
            if len(awaitable_indices) == 1:
                at = awaitable_indices[0]
                completed_results[at] = await completed_results[at]
            else:
                awaited_results = await gather_with_cancel(
                    *(completed_results[at] for at in awaitable_indices)
                )
                for at, sub_result in zip(awaitable_indices, awaited_results, strict=True):
                    completed_results[at] = sub_result
            return completed_results

        return get_completed_results()
