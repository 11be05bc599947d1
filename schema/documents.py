"""The parse and validation steps of an operation: stored documents skip both, others are cached.

A request the view resolved to a stored (trusted) document runs with that document in
`current_document`: its parse step hands strawberry the DocumentNode parsed at start-up,
and its validation step runs only the stored document's per-request checks (validation and
today's limit rules ran once, at start-up). Every other request parses and validates as
before, through strawberry's LRU caches. Everything after validation (operation type against
the HTTP method, variable coercion, execution, the timeout, error formatting) is the same.

At start-up schema.trusted runs each manifest document through the schema's own execute()
with a `Compilation` in `current_document`: strawberry's own parse and validation, with the
same parser options and validation rules as a request (so a document a request would refuse
stops the start), outside the LRU caches (their slots are for documents sent as text); the
parsed document is captured and execution skipped.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from graphql import DocumentNode
from strawberry.extensions import ParserCache, ValidationCache
from strawberry.types import ExecutionResult

if TYPE_CHECKING:
    from schema.trusted import StoredDocument


@dataclass(slots=True)
class Compilation:
    """A manifest document going through the pipeline at start-up, not executed."""

    document: DocumentNode | None = field(default=None)


# Set by the view (schema.http) around one operation, by schema.trusted at start-up.
current_document: ContextVar[StoredDocument | Compilation | None] = ContextVar(
    "gpt_supporter_document", default=None
)


class StoredOrCachedParse(ParserCache):
    def on_parse(self) -> Iterator[None]:
        current = current_document.get()
        if isinstance(current, Compilation):
            yield  # strawberry parses it
            current.document = self.execution_context.graphql_document
        elif current is not None:
            self.execution_context.graphql_document = current.document
            yield
        else:
            yield from super().on_parse()


class StoredOrCachedValidation(ValidationCache):
    def on_validate(self) -> Iterator[None]:
        current = current_document.get()
        if isinstance(current, Compilation):
            yield  # strawberry validates it
        elif current is not None:
            # [] (not None) tells strawberry the document is validated.
            context = self.execution_context
            context.pre_execution_errors = current.check(context.variables)
            yield
        else:
            yield from super().on_validate()

    def on_execute(self) -> Iterator[None]:
        # A result already in place is what strawberry returns instead of executing.
        if isinstance(current_document.get(), Compilation):
            self.execution_context.result = ExecutionResult(data=None, errors=None)
        yield
