"""One GraphQL operation, from its text (or stored document) to its result.

strawberry's `Schema.execute` runs these same steps through its extension machinery: a
runner and four hook context managers per request (operation, parsing, validation,
executing), each walking every extension for its hooks, and an empty middleware manager.
That cost ~0.1 ms a request, more than parsing and validating a cached document. This
service's own steps are plain calls: the document checks (schema.document), the operation
type check, graphql-core's `execute` with the schema's execution context class, and the
request log's record (schema.observe). Errors travel as strawberry's do: refusals before
execution and anything raised come back as the result's errors (logged by
`process_errors`, which masks nothing itself: schema.errors formats them), while the three
errors strawberry's HTTP view turns into a 400 are raised to it.
"""

from __future__ import annotations

from inspect import isawaitable
from typing import TYPE_CHECKING

from graphql import ExecutionResult as CoreExecutionResult
from graphql import GraphQLError, execute
from strawberry.exceptions import MissingQueryError
from strawberry.execution.is_awaitable import optimized_is_awaitable
from strawberry.schema.exceptions import CannotGetOperationTypeError, InvalidOperationTypeError
from strawberry.types import ExecutionContext, ExecutionResult

from schema.document import DocumentChecks, compiling
from schema.observe import record

if TYPE_CHECKING:
    from schema.build import AppSchema

_HTTP_REFUSALS = (MissingQueryError, CannotGetOperationTypeError, InvalidOperationTypeError)


async def run_operation(
    schema: AppSchema, checks: DocumentChecks, context: ExecutionContext
) -> ExecutionResult:
    try:
        refused = _prepare(checks, context)
        if refused:
            return _answer(schema, context, ExecutionResult(data=None, errors=refused))
        if compiling():
            # A manifest document checked at start-up (schema.trusted): never executed.
            return _answer(schema, context, ExecutionResult(data=None, errors=None))
        assert context.graphql_document is not None
        outcome = execute(
            schema._schema,
            context.graphql_document,
            root_value=context.root_value,
            context_value=context.context,
            variable_values=context.variables,
            operation_name=context.operation_name,
            executor_class=schema.execution_context_class,
            is_awaitable=optimized_is_awaitable,  # type: ignore[arg-type]
            operation_extensions=context.operation_extensions,
        )
        if isawaitable(outcome):
            outcome = await outcome
        assert isinstance(outcome, CoreExecutionResult)
        result = ExecutionResult(data=outcome.data, errors=outcome.errors)
    except _HTTP_REFUSALS:
        raise
    except Exception as error:
        # As strawberry does: the original error's extensions (an AppError's code) carry over.
        coerced = (
            error
            if isinstance(error, GraphQLError)
            else GraphQLError(str(error), original_error=error)
        )
        return _answer(schema, context, ExecutionResult(data=None, errors=[coerced]))
    context.result = result
    return _answer(schema, context, result)


def _prepare(checks: DocumentChecks, context: ExecutionContext) -> list[GraphQLError]:
    """Parse, check the operation type, validate: the errors that refuse it, or []."""
    if not context.query and context.graphql_document is None:
        raise MissingQueryError
    checks.parse_step(context)
    if context.graphql_document is None:
        raise MissingQueryError
    try:
        operation_type = context.operation_type
    except RuntimeError as error:
        raise CannotGetOperationTypeError(context.operation_name) from error
    if operation_type not in context.allowed_operations:
        raise InvalidOperationTypeError(operation_type)
    return checks.validate_step(context)


def _answer(
    schema: AppSchema, context: ExecutionContext, result: ExecutionResult
) -> ExecutionResult:
    if result.errors:
        context.pre_execution_errors = result.errors
        schema.process_errors(result.errors, context)
    result.extensions = {}
    record(context)
    return result
