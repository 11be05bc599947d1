"""The GraphQL executor: graphql-core's, with a fast path for fields it can plan.

Most fields of a response are scalars read straight off their parent (strawberry "basic"
fields: no resolver, no permission classes or other field extensions): a page of 20 public
scripts has ~260 of them among ~345 fields. graphql-core runs each one through the whole
field machinery: a resolve-info tuple, a response path, the resolver, `is_awaitable`
checks and `complete_value`'s type dispatch (~3.7 us a field here). Fields that have a plan
(schema/plans.py: basic fields, and synchronous resolvers that take the parent and perhaps
`info`, e.g. a connection's `edges` and `pageInfo`, `descriptionSummary`, the part fields;
those with `info` get graphql-core's resolve info, built as execute_field builds it) are
read by calling their Python function directly (for basic fields strawberry's
`default_resolver`, which still decides the value: the global `id` of a Node is computed
there), without strawberry's resolver wrapper (argument conversion, the extension chain)
or graphql-core's `execute_field`; leaves are coerced with the field type's own
`coerce_output_value` (or kept, for a plain str/bool/int of the built-in scalars), and an
object type without
`is_type_of` (edges, page info, scripts), or whose `is_type_of` is Node's isinstance check
(made inline), has its sub-selection executed directly.

What keeps the spec: the fast path is taken only when its answer is the one graphql-core
would give; a value that is null for a non-null field, an exception (raised or returned),
an awaitable, or a value the scalar refuses goes the normal way with the value already
read, so its error, path and null propagation are graphql-core's own. Object types with
any other `is_type_of` are completed by graphql-core's complete_object_value, with a real
Info.
Everything else (fields with arguments, async resolvers or permission classes and other
extensions, abstract types, introspection) is untouched; `@include`/`@skip`,
aliases and fragments are resolved before (field collection), and the response keeps the
document's order. A schema with resolver middleware (a strawberry extension implementing
`resolve`) runs entirely the normal way. Lists that are already there are completed in one
loop: scalars coerced (e.g. generatedDialogue), objects each completed as graphql-core's
complete_list_item_value would, errors at the item's path; an item whose selection is only
basic leaves gets a response path only when one of its values needs completing.
A cached operation's field collection and entries are kept across its requests when they
cannot vary (schema/collection.py).

tests/unit/test_execution.py and tests/api/test_executor_differential.py run documents
through this and graphql-core's stock executor and compare data and errors exactly.

The list and value completion is in schema/completion.py, what a variable value that does not
coerce means in schema/coercion.py.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date, datetime
from typing import Any

from graphql import GraphQLObjectType, GraphQLResolveInfo
from graphql.execution.collect_fields import CollectedFields, FieldDetailsList, GroupedFieldSet
from graphql.execution.executor import to_nodes
from graphql.pyutils import Path, Undefined, gather_with_cancel

from schema.coercion import StockExecutionContext, quiet
from schema.collection import shared_collection
from schema.completion import MISSING as _MISSING
from schema.completion import CompletingContext
from schema.plans import (
    LEAF,
    OBJECT,
    Plan,
    TypeName,
    field_plan,
    int_in_range,
)

__all__ = ["FastExecutionContext", "StockExecutionContext", "quiet"]

# Values of these types are neither exceptions nor awaitables: no need to ask.
_PLAIN: frozenset[type] = frozenset({str, int, float, bool, datetime, date})

# (response name, its fields, its plan, and for a basic leaf whose value is usually already
# its output: the read as a one-argument function, the output's type, whether non-null).
_Entry = tuple[
    str, FieldDetailsList, Plan | TypeName | None, Callable[[Any], Any] | None, type | None, bool
]
# (response name, the read, the output's type, whether non-null): a basic leaf's entry alone.
_Leaf = tuple[str, Callable[[Any], Any], type, bool]


def _getter(plan: Plan) -> Callable[[Any], Any]:
    """The plan's read of its basic field as a function of the source alone."""
    read, name = plan.read, plan.python_name
    make = getattr(read, "getter", None)
    if make is not None:
        found: Callable[[Any], Any] = make(name)
        return found
    return lambda source: read(source, name)


class FastExecutionContext(CompletingContext):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._plans = self._schema_plans.fields
        # Per grouped field set (collected once per selection and type, then reused for
        # every object of a list): its fields with their plans. Kept with the operation
        # when its collection cannot vary between requests (schema/collection.py).
        self._collection = shared_collection(
            self._schema_plans, self.operation, self.fragment_definitions.values()
        )
        self._entries: dict[int, tuple[GroupedFieldSet, list[_Entry], tuple[_Leaf, ...] | None]] = (
            {} if self._collection is None else self._collection.entries
        )

    def execute_collected_root_fields(
        self,
        root_type: GraphQLObjectType,
        root_value: Any,
        grouped_field_set: GroupedFieldSet,
        serially: bool,
        new_defer_usages: Sequence[Any],
    ) -> Any:
        # The operation's first request collected the root the same way: continue from its
        # grouped field set, so every sub-selection below is found collected.
        shared = self._collection
        if shared is not None and not new_defer_usages:
            if shared.root is None:
                shared.root = grouped_field_set
            grouped_field_set = shared.root
        return super().execute_collected_root_fields(
            root_type, root_value, grouped_field_set, serially, new_defer_usages
        )

    def collect_subfields(
        self, return_type: GraphQLObjectType, field_details_list: FieldDetailsList
    ) -> CollectedFields:
        shared = self._collection
        if shared is None:
            return super().collect_subfields(return_type, field_details_list)
        key = (return_type, id(field_details_list))
        cached = shared.subfields.get(key)
        if cached is not None and cached[0] is field_details_list:
            return cached[1]
        collected = super().collect_subfields(return_type, field_details_list)
        shared.subfields[key] = (field_details_list, collected)
        return collected

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
        leaves = tuple(
            (name, getter, passthrough, non_null)
            for name, _, _, getter, passthrough, non_null in entries
            if getter is not None and passthrough is not None
        )
        # The grouped field set is kept alive with its entries, so its id is not reused.
        self._entries[id(grouped_field_set)] = (
            grouped_field_set,
            entries,
            leaves if len(leaves) == len(entries) else None,
        )
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
        return self._run_entries(
            parent_type,
            source_value,
            path,
            self._entries_of(parent_type, grouped_field_set),
            {},
            [],
        )

    def _run_entries(
        self,
        parent_type: GraphQLObjectType,
        source_value: Any,
        path: Path | None,
        entries: list[_Entry],
        results: dict[str, Any],
        awaitable_fields: list[str],
    ) -> Any:
        """execute_fields over `entries`, adding to `results` (and `awaitable_fields`)."""
        is_awaitable = self.is_awaitable
        position_context = None
        raised: Exception | None
        try:
            for (
                response_name,
                field_details_list,
                plan,
                getter,
                passthrough,
                non_null,
            ) in entries:
                if getter is not None:
                    # A basic leaf: a str, bool or in-range int is its own output, a null of
                    # a nullable field is null; anything else is completed the planned way
                    # with the value read (never read twice).
                    assert isinstance(plan, Plan)
                    try:
                        value = getter(source_value)
                    except Exception as raw_error:
                        value, raised = _MISSING, raw_error
                    else:
                        kind = type(value)
                        if kind is passthrough and (kind is not int or int_in_range(value)):
                            results[response_name] = value
                            continue
                        if value is None and not non_null:
                            results[response_name] = None
                            continue
                        raised = None
                    result = self._complete_read(
                        plan, parent_type, source_value, field_details_list, path, response_name,
                        value, raised,
                    )  # fmt: skip
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
                    # A completed object is a dict: no need to ask.
                    if type(result) is not dict and is_awaitable(result):
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

    def leaves_of(
        self, parent_type: GraphQLObjectType, grouped_field_set: GroupedFieldSet
    ) -> tuple[_Leaf, ...] | None:
        """The selection's fields when every one is a basic leaf read by a getter, else None."""
        self._entries_of(parent_type, grouped_field_set)
        return self._entries[id(grouped_field_set)][2]

    def complete_leaves(
        self,
        parent_type: GraphQLObjectType,
        source_value: Any,
        path: Path,
        index: int,
        grouped_field_set: GroupedFieldSet,
        leaves: tuple[_Leaf, ...],
    ) -> Any:
        """execute_fields for an item of a list whose selection is only basic leaves: each
        value that is its own output is kept as it is, without a response path. The first
        that is not (or raises) is completed with the value read, then the rest the usual
        way, at the item's path."""
        results: dict[str, Any] = {}
        raised: Exception | None
        for position, (response_name, getter, passthrough, non_null) in enumerate(leaves):
            try:
                value = getter(source_value)
            except Exception as raw_error:
                value, raised = _MISSING, raw_error
            else:
                kind = type(value)
                if kind is passthrough and (kind is not int or int_in_range(value)):
                    results[response_name] = value
                    continue
                if value is None and not non_null:
                    results[response_name] = None
                    continue
                raised = None
            item_path = Path(path, index, None)
            entries = self._entries_of(parent_type, grouped_field_set)
            _, field_details_list, plan, *_ = entries[position]
            assert isinstance(plan, Plan)
            result = self._complete_read(
                plan, parent_type, source_value, field_details_list, item_path, response_name,
                value, raised,
            )  # fmt: skip
            awaitable_fields: list[str] = []
            if result is not Undefined:
                results[response_name] = result
                if self.is_awaitable(result):
                    awaitable_fields.append(response_name)
            return self._run_entries(
                parent_type,
                source_value,
                item_path,
                entries[position + 1 :],
                results,
                awaitable_fields,
            )
        return results

    def _complete_read(
        self,
        plan: Plan,
        parent_type: GraphQLObjectType,
        source_value: Any,
        field_details_list: FieldDetailsList,
        path: Path | None,
        response_name: str,
        value: Any,
        raised: Exception | None,
    ) -> Any:
        """A basic leaf read that is not its own output (or whose read raised), completed the
        planned way with what the read gave."""
        if raised is not None:
            return self._complete_normally(
                plan, parent_type, field_details_list, path, response_name, _MISSING, raised
            )
        return self._complete_planned(
            plan, parent_type, source_value, field_details_list, path, response_name, value
        )

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
        info = None
        try:
            if plan.basic:
                value = plan.read(source_value, plan.python_name)
            elif plan.info:
                info = self.build_resolve_info(
                    plan.field_def,
                    to_nodes(field_details_list),
                    parent_type,
                    Path(path, response_name, parent_type.name),
                )
                value = plan.read(source_value, info)
            else:
                value = plan.read(source_value)
        except Exception as raw_error:
            return self._complete_normally(
                plan,
                parent_type,
                field_details_list,
                path,
                response_name,
                _MISSING,
                raw_error,
                info,
            )
        return self._complete_planned(
            plan, parent_type, source_value, field_details_list, path, response_name, value, info
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
        info: GraphQLResolveInfo | None = None,
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
        elif (
            plan.kind == OBJECT
            and not (isinstance(value, Exception) or value is Undefined or self.is_awaitable(value))
            # An is_type_of made inline; a value it refuses gets graphql-core's error below.
            and (plan.classes is None or isinstance(value, plan.classes))
        ):
            return self._complete_object(
                plan, parent_type, field_details_list, path, response_name, value
            )
        # Whatever graphql-core would turn into an error, await or complete: its own way.
        return self._complete_normally(
            plan, parent_type, field_details_list, path, response_name, value, None, info
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
        # complete_object_value for an object type without is_type_of (or whose check has
        # passed): its sub-selection,
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

    def _complete_normally(
        self,
        plan: Plan,
        parent_type: GraphQLObjectType,
        field_details_list: FieldDetailsList,
        path: Path | None,
        response_name: str,
        value: Any,
        raised: Exception | None,
        info: GraphQLResolveInfo | None = None,
    ) -> Any:
        # execute_field after its resolver call, with the value the resolver gave (and the
        # resolve info it was given, if it asked for one).
        return_type = plan.field_def.type
        if info is None:
            field_path = Path(path, response_name, parent_type.name)
            info = self.build_resolve_info(
                plan.field_def, to_nodes(field_details_list), parent_type, field_path
            )
        else:
            field_path = info.path
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
