"""The executor: variable values that do not coerce are BAD_USER_INPUT, hints hidden on request.

graphql-core coerces the request's variable values while it builds the executor, before any
resolver runs; what it cannot build on is returned as a list of errors. The operation to run
is settled before (schema.document), so those errors are the variable values' alone: the
client's input, Apollo's BAD_USER_INPUT. A variable *declaration* that does not fit the
document (unused, undefined, wrong type) is a validation error, GRAPHQL_VALIDATION_FAILED.
"""

from __future__ import annotations

from typing import Any, ClassVar

from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext

from resolvers.errors import ErrorCode
from schema.errors import tag


class Executor(StrawberryGraphQLCoreExecutionContext):
    # Set on QuietExecutor: coercion messages without "Did you mean" (enum values, input fields).
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


class QuietExecutor(Executor):
    quiet = True
