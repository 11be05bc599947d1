"""The Schema object."""

from __future__ import annotations

from collections.abc import Awaitable
from typing import Any

import strawberry
from graphql import GraphQLError
from strawberry.schema.config import StrawberryConfig
from strawberry.types import ExecutionContext, ExecutionResult

from resolvers.context import Context
from schema.checks import check_entities_bound, check_root_policies
from schema.cost import uncovered_lists
from schema.deadline import run_with_deadline
from schema.document import cost_check
from schema.error_codes import ErrorCodeEnum
from schema.errors import log_errors
from schema.execution import FastExecutionContext, quiet
from schema.limits import QueryLimits, limit_extensions
from schema.mutation import Mutation
from schema.observe import ObserveOperation
from schema.query import Query
from schema.trusted import CompileCheck
from schema.types import NODE_TYPES, resolve_attribute


class AppSchema(strawberry.Schema):
    operation_timeout: float | None = None
    # Answers encoded larger than this are refused (schema.http); None: no cap.
    max_response_bytes: int | None = None

    async def execute(self, *args: Any, **kwargs: Any) -> ExecutionResult:
        operation = _ending_reads(super().execute(*args, **kwargs), kwargs.get("context_value"))
        if self.operation_timeout is None:
            return await operation
        return await run_with_deadline(operation, self.operation_timeout)

    def process_errors(
        self, errors: list[GraphQLError], execution_context: ExecutionContext | None = None
    ) -> None:
        # strawberry would log every error, user mistakes included, as a fault.
        log_errors(errors)


async def _ending_reads(operation: Awaitable[ExecutionResult], context: object) -> ExecutionResult:
    """Runs the operation, then gives its read session back to the pool, in the operation's
    own task (also when it is cancelled at its deadline). A schema extension's on_operation
    did this; strawberry's hook machinery cost ~25 us a request for it."""
    try:
        return await operation
    finally:
        if isinstance(context, Context):
            await context.reads.end()


def build_schema(
    *,
    field_suggestions: bool = True,
    extensions: list[Any] | None = None,
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
            disable_field_suggestions=not field_suggestions, default_resolver=resolve_attribute
        ),
        # Basic leaves without graphql-core's per-field machinery; variable values that do not
        # coerce tagged BAD_USER_INPUT, their hints hidden too when asked (schema/execution.py).
        execution_context_class=(
            execution_context_class if field_suggestions else quiet(execution_context_class)
        ),
        extensions=[
            # Parses and validates (both cached: they were a quarter of a small query's CPU
            # time; skipped for a trusted document, prepared at start-up), every limit first.
            *limit_extensions(limits, hide_suggestions=not field_suggestions),
            # Fills the request log's and the metrics' operation name, type and error codes.
            ObserveOperation,
            *(extensions or []),
        ],
    )
    check_root_policies(schema)
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
