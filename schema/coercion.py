"""What a variable value that does not coerce means, for both executors.

graphql-core coerces the request's variable values while it builds the executor, before any
resolver runs, and returns what it cannot build on as a list of errors. The operation to run
is settled before (schema.document), so those errors are the values' alone: the client's
input, Apollo's BAD_USER_INPUT (a variable *declaration* that does not fit the document is a
validation error). With `quiet` set (production: no field suggestions) their messages carry
no "Did you mean" either.
"""

from __future__ import annotations

from typing import Any, ClassVar

from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext

from resolvers.errors import ErrorCode
from schema.errors import tag

__all__ = ["CoercionTagged", "StockExecutionContext", "quiet"]


class CoercionTagged(StrawberryGraphQLCoreExecutionContext):
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


def quiet(executor: type[CoercionTagged]) -> type[CoercionTagged]:
    """`executor` with its coercion messages' hints hidden (production)."""
    return type(f"Quiet{executor.__name__}", (executor,), {"quiet": True})


class StockExecutionContext(CoercionTagged):
    """strawberry's own executor (graphql-core's), for comparison in tests."""
