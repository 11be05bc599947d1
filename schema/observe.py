"""What the HTTP layer learns about a GraphQL operation: name, type, error codes, caller.

The request middleware (web.requests) puts an empty OperationInfo into `current_operation`;
schema.operation fills it once the operation has run. Metrics and the request log read
it there, so neither needs to parse the document again nor look at variables (which may hold
passwords and tokens).
"""

from __future__ import annotations

from contextvars import ContextVar
from dataclasses import dataclass

from graphql import GraphQLError
from strawberry.types import ExecutionContext

from resolvers.context import Context
from schema.errors import code_of


@dataclass(slots=True)
class OperationInfo:
    name: str | None = None
    type: str | None = None
    error_codes: tuple[str, ...] = ()
    user_id: int | None = None
    # The trusted document run ("sha256:<hex>"), set only for ids the service loaded, so
    # it takes as many values as the manifests hold documents.
    document_id: str | None = None


current_operation: ContextVar[OperationInfo | None] = ContextVar(
    "gpt_supporter_operation", default=None
)


def note_document(document_id: str) -> None:
    info = current_operation.get()
    if info is not None:
        info.document_id = document_id


def note_refusal(error: GraphQLError) -> None:
    """An operation refused before the schema ran (so `record` never sees it)."""
    info = current_operation.get()
    if info is not None:
        info.error_codes = (code_of(error).value,)


def record(execution: ExecutionContext) -> None:
    """Fills the request's OperationInfo from an operation that has all its errors (also one
    refused before it ran; schema.operation calls it once per answered operation)."""
    info = current_operation.get()
    if info is None:
        return
    info.name = execution.operation_name
    if execution.graphql_document is not None:
        try:
            info.type = execution.operation_type.value
        except RuntimeError:
            # An operationName the document does not define.
            info.type = None
    # Parse, validation and execution errors all end up in this one list.
    errors = execution.pre_execution_errors or ()
    info.error_codes = tuple(code_of(error).value for error in errors)
    context = execution.context
    if isinstance(context, Context):
        info.user_id = context.caller_id
