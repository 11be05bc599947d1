"""Completing values that are already there: graphql-core's complete_value, faster.

The type checks of complete_value inlined (the same order, so the same errors); lists that
are already there completed in one loop: scalars coerced each (e.g. generatedDialogue),
objects each completed as graphql-core's complete_list_item_value would, errors at the
item's path. A list under @stream, or a schema with resolver middleware, goes graphql-core's
way. The executor (schema/execution.py) builds on this.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from graphql import (
    GraphQLEnumType,
    GraphQLInterfaceType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLOutputType,
    GraphQLScalarType,
    GraphQLUnionType,
)
from graphql.execution.collect_fields import FieldDetailsList, GroupedFieldSet
from graphql.pyutils import Path, Undefined, gather_with_cancel

from schema.awaitable import fast_is_awaitable
from schema.coercion import CoercionTagged
from schema.plans import LEAF, item_plan, plans_of

__all__ = ["MISSING", "CompletingContext"]

MISSING: Any = object()
_MISSING = MISSING


class CompletingContext(CoercionTagged):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Asked of every value; on model rows strawberry's answer costs a pydantic lookup.
        self.is_awaitable = fast_is_awaitable(self.is_awaitable)
        manager = self.middleware_manager
        # Middleware wraps every resolver, basic ones included: then nothing may skip it.
        self._fast = manager is None or not manager.middlewares
        self._schema_plans = plans = plans_of(self.schema)
        # @stream would make lists incremental; only a schema without it takes the list path.
        self._fast_lists = not plans.stream
        self._item_plans = plans.items

    def leaves_of(self, parent_type: GraphQLObjectType, grouped_field_set: GroupedFieldSet) -> Any:
        """The fast executor's: the selection when it is only basic leaves (None here)."""
        return None

    def complete_leaves(
        self,
        parent_type: GraphQLObjectType,
        source_value: Any,
        path: Path,
        index: int,
        grouped_field_set: GroupedFieldSet,
        leaves: Any,
    ) -> Any:
        raise NotImplementedError  # only called when leaves_of gave some

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
                        item_type,
                        items.object_type,
                        items.classes,
                        field_details_list,
                        info,
                        path,
                        result,
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
        classes: tuple[type, ...] | None,
        field_details_list: FieldDetailsList,
        info: Any,
        path: Path,
        items: list[Any] | tuple[Any, ...],
    ) -> Any:
        # graphql-core's complete_iterable_value, complete_list_item_value and, for each
        # object, complete_value and (without is_type_of, or with Node's isinstance check,
        # made here) complete_object_value, in one loop.
        is_awaitable = self.is_awaitable
        direct = object_type.is_type_of is None or classes is not None
        grouped_field_set: GroupedFieldSet | None = None
        leaves = None
        if direct:
            grouped_field_set, new_defer_usages, _ = self.collect_subfields(
                object_type, field_details_list
            )
            direct = not new_defer_usages
            if direct and self._fast:
                # Only basic leaves below: each item answered without a path of its own.
                leaves = self.leaves_of(object_type, grouped_field_set)
        completed_results: list[Any] = []
        append = completed_results.append
        awaitable_indices: list[int] = []
        index = 0
        try:
            for index, item in enumerate(items):
                if is_awaitable(item):
                    append(
                        self.complete_awaitable_list_item_value(
                            item, item_type, field_details_list, info, Path(path, index, None), None
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
                        # A value the check refuses gets graphql-core's error below.
                        and (classes is None or isinstance(item, classes))
                    ):
                        assert grouped_field_set is not None
                        if leaves is not None:
                            completed_item = self.complete_leaves(
                                object_type, item, path, index, grouped_field_set, leaves
                            )
                        else:
                            completed_item = self.execute_fields(
                                object_type, item, Path(path, index, None), grouped_field_set, None
                            )
                    else:
                        completed_item = self.complete_value(
                            item_type, field_details_list, info, Path(path, index, None), item, None
                        )
                    if type(completed_item) is not dict and is_awaitable(completed_item):
                        append(
                            self._await_field(
                                completed_item,
                                item_type,
                                field_details_list,
                                Path(path, index, None),
                            )
                        )
                        awaitable_indices.append(index)
                    else:
                        append(completed_item)
                except Exception as raw_error:
                    item_path = Path(path, index, None)
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
