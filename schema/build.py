"""The Schema object."""

from __future__ import annotations

from collections.abc import Awaitable, Iterable
from typing import Any

import strawberry
from graphql import GraphQLError
from strawberry.schema.config import StrawberryConfig
from strawberry.schema.schema import DEFAULT_ALLOWED_OPERATION_TYPES
from strawberry.types import ExecutionContext, ExecutionResult
from strawberry.types.graphql import OperationType

from resolvers.context import Context
from schema.checks import check_entities_bound, check_root_policies
from schema.cost import uncovered_lists
from schema.deadline import run_with_deadline
from schema.document import DocumentChecks, cost_check
from schema.error_codes import ErrorCodeEnum
from schema.errors import log_errors
from schema.execution import FastExecutionContext, quiet
from schema.limits import QueryLimits, document_checks
from schema.mutation import Mutation
from schema.names import ArgumentNames
from schema.operation import run_operation
from schema.query import Query
from schema.trusted import CompileCheck
from schema.types import NODE_TYPES, resolve_attribute


class AppSchema(strawberry.Schema):
    operation_timeout: float | None = None
    # Answers encoded larger than this are refused (schema.http); None: no cap.
    max_response_bytes: int | None = None
    # Parsing, validation and the limits, with their caches (set by build_schema).
    checks: DocumentChecks

    async def execute(
        self,
        query: str | None,
        variable_values: dict[str, Any] | None = None,
        context_value: Any | None = None,
        root_value: Any | None = None,
        operation_name: str | None = None,
        allowed_operation_types: Iterable[OperationType] | None = None,
        operation_extensions: dict[str, Any] | None = None,
    ) -> ExecutionResult:
        execution = ExecutionContext(
            query=query,
            schema=self,
            allowed_operations=(
                DEFAULT_ALLOWED_OPERATION_TYPES
                if allowed_operation_types is None
                else allowed_operation_types
            ),
            context=context_value,
            root_value=root_value,
            variables=variable_values,
            provided_operation_name=operation_name,
            operation_extensions=operation_extensions,
        )
        operation = _ending_reads(run_operation(self, self.checks, execution), context_value)
        if self.operation_timeout is None:
            return await operation
        return await run_with_deadline(operation, self.operation_timeout)

    def execute_sync(self, *args: Any, **kwargs: Any) -> ExecutionResult:
        # strawberry's own pipeline would run without the limits (schema.operation): refuse.
        raise NotImplementedError("AppSchema runs operations through execute() only")

    async def subscribe(self, *args: Any, **kwargs: Any) -> Any:
        raise NotImplementedError("AppSchema has no subscriptions; execute() runs operations")

    def process_errors(
        self, errors: list[GraphQLError], execution_context: ExecutionContext | None = None
    ) -> None:
        # strawberry would log every error, user mistakes included, as a fault.
        log_errors(errors)


async def _ending_reads(operation: Awaitable[ExecutionResult], context: object) -> ExecutionResult:
    """Runs the operation, then gives its read connection back to the pool, in the operation's
    own task (also when it is cancelled at its deadline). A schema extension's on_operation
    did this; strawberry's hook machinery cost ~25 us a request for it."""
    try:
        return await operation
    finally:
        if isinstance(context, Context):
            await context.reads.end(final=True)


def build_schema(
    *,
    field_suggestions: bool = True,
    limits: QueryLimits | None = None,
    execution_context_class: type[Any] = FastExecutionContext,
) -> AppSchema:
    limits = limits or QueryLimits()
    check_entities_bound()
    schema = AppSchema(
        query=Query,
        mutation=Mutation,
        types=[*NODE_TYPES.values(), ErrorCodeEnum],
        config=StrawberryConfig(
            disable_field_suggestions=not field_suggestions,
            default_resolver=resolve_attribute,
            name_converter=ArgumentNames(),
        ),
        # Basic leaves without graphql-core's per-field machinery; variable values that do not
        # coerce tagged BAD_USER_INPUT, their hints hidden too when asked (schema/execution.py).
        execution_context_class=(
            execution_context_class if field_suggestions else quiet(execution_context_class)
        ),
    )
    # Parses and validates (both cached: they were a quarter of a small query's CPU time;
    # skipped for a trusted document, prepared at start-up), every limit first. No strawberry
    # extension: schema.operation runs the steps itself and would not run one.
    schema.checks = document_checks(limits, hide_suggestions=not field_suggestions)
    check_root_policies(schema)
    if schema.extensions or schema.directives:
        # schema.operation runs no strawberry extension (a directive is one): fail loudly.
        raise RuntimeError("AppSchema runs no strawberry extensions or custom directives")
    if missing := uncovered_lists(schema._schema):
        raise RuntimeError(f"the cost model has no maximum for the lists {missing}")
    schema.operation_timeout = limits.timeout_seconds
    schema.max_response_bytes = limits.max_response_bytes
    return schema


def stored_document_checks(schema: AppSchema, limits: QueryLimits) -> list[CompileCheck]:
    """The per-request limit checks of a trusted document, each compiled once at start-up.

    The limits that do not depend on variables (tokens, shape, introspection) ran with its
    validation at start-up (schema.trusted); the cost does, so its plan is compiled once and
    evaluated with each request's variables.
    """
    return [cost_check(schema._schema, limits.max_cost)]
