"""The Schema object."""

from __future__ import annotations

from typing import Any

import strawberry
from graphql import GraphQLError
from strawberry.schema.config import StrawberryConfig
from strawberry.types import ExecutionContext, ExecutionResult

from schema.checks import check_entities_bound, check_root_policies
from schema.deadline import run_with_deadline
from schema.documents import StoredOrCachedParse, StoredOrCachedValidation
from schema.error_codes import ErrorCodeEnum
from schema.errors import log_errors
from schema.limits import QueryLimits, limit_extensions
from schema.mutation import Mutation
from schema.observe import ObserveOperation
from schema.query import Query
from schema.reads import EndReads
from schema.trusted import CompileCheck
from schema.types import NODE_TYPES, resolve_attribute


class AppSchema(strawberry.Schema):
    operation_timeout: float | None = None

    async def execute(self, *args: Any, **kwargs: Any) -> ExecutionResult:
        operation = super().execute(*args, **kwargs)
        if self.operation_timeout is None:
            return await operation
        return await run_with_deadline(operation, self.operation_timeout)

    def process_errors(
        self, errors: list[GraphQLError], execution_context: ExecutionContext | None = None
    ) -> None:
        # strawberry would log every error, user mistakes included, as a fault.
        log_errors(errors)


def build_schema(
    *,
    field_suggestions: bool = True,
    extensions: list[Any] | None = None,
    limits: QueryLimits | None = None,
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
        extensions=[
            # Parsing and validation were a quarter of a small query's CPU time: cached, and
            # skipped for a trusted document (prepared at start-up, schema.trusted).
            lambda: StoredOrCachedParse(maxsize=256),
            lambda: StoredOrCachedValidation(maxsize=256),
            # Fills the request log's and the metrics' operation name, type and error codes.
            ObserveOperation,
            # One pooled connection per request for all its reads, returned at the end.
            EndReads,
            *limit_extensions(limits),
            *(extensions or []),
        ],
    )
    check_root_policies(schema)
    schema.operation_timeout = limits.timeout_seconds
    return schema


def stored_document_checks(limits: QueryLimits) -> list[CompileCheck]:
    """The per-request limit checks of a trusted document, each compiled once at start-up.

    Today's limits (depth, aliases, tokens, introspection) do not depend on variables: they
    ran once with validation at start-up (schema.trusted), so none is left for requests.
    A check that needs the variables, such as a static cost plan, goes here, e.g.
    `lambda document, name: over_limit(compile_cost(document, name), limits)` where the
    returned function answers `[QUERY_TOO_COMPLEX error]` when `plan.cost(variables)` exceeds
    the limit and `[]` otherwise.
    """
    return []
