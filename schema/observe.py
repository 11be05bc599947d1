"""What the HTTP layer learns about a GraphQL operation: name, type, error codes, caller.

The request middleware (web.requests) puts an empty OperationInfo into `current_operation`;
the schema extension fills it once the operation has run. Metrics and the request log read
it there, so neither needs to parse the document again nor look at variables (which may hold
passwords and tokens).
"""

from __future__ import annotations

from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

from graphql import GraphQLError
from strawberry.extensions import SchemaExtension

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
    """An operation refused before the schema ran (so ObserveOperation never sees it)."""
    info = current_operation.get()
    if info is not None:
        info.error_codes = (code_of(error).value,)


class ObserveOperation(SchemaExtension):
    # get_results, not on_operation: strawberry runs it once per operation after every
    # error is in place, also when parsing failed outside on_operation.
    def get_results(self) -> dict[str, Any]:
        info = current_operation.get()
        if info is not None:
            self._fill(info)
        return {}

    def _fill(self, info: OperationInfo) -> None:
        execution = self.execution_context
        info.name = execution.operation_name
        if execution.graphql_document is not None:
            try:
                info.type = execution.operation_type.value
            except RuntimeError:
                # An operationName the document does not define.
                info.type = None
        # strawberry keeps parse, validation and execution errors all in this one list.
        errors = execution.pre_execution_errors or ()
        info.error_codes = tuple(code_of(error).value for error in errors)
        context = execution.context
        if isinstance(context, Context):
            info.user_id = context.caller_id
