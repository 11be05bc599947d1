"""The Schema object."""

from __future__ import annotations

from typing import Any

import strawberry
from graphql import GraphQLError
from strawberry.extensions import ParserCache, ValidationCache
from strawberry.schema.config import StrawberryConfig
from strawberry.types import ExecutionContext, ExecutionResult

from schema.deadline import run_with_deadline
from schema.error_codes import ErrorCodeEnum
from schema.errors import log_errors
from schema.execution import FastExecutionContext
from schema.limits import QueryLimits, limit_extensions
from schema.mutation import Mutation
from schema.observe import ObserveOperation
from schema.query import Query
from schema.reads import EndReads
from schema.types import (
    PublicScriptType,
    RefBookType,
    RefDataType,
    SystemInfoType,
    UserType,
    resolve_attribute,
)


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
    execution_context_class: type[Any] = FastExecutionContext,
) -> AppSchema:
    limits = limits or QueryLimits()
    schema = AppSchema(
        query=Query,
        # Basic leaves without graphql-core's per-field machinery (schema/execution.py).
        execution_context_class=execution_context_class,
        mutation=Mutation,
        types=[UserType, RefBookType, RefDataType, SystemInfoType, PublicScriptType, ErrorCodeEnum],
        config=StrawberryConfig(
            disable_field_suggestions=not field_suggestions, default_resolver=resolve_attribute
        ),
        extensions=[
            # Parsing and validation were a quarter of a small query's CPU time.
            lambda: ParserCache(maxsize=256),
            lambda: ValidationCache(maxsize=256),
            # Fills the request log's and the metrics' operation name, type and error codes.
            ObserveOperation,
            # One pooled connection per request for all its reads, returned at the end.
            EndReads,
            *limit_extensions(limits),
            *(extensions or []),
        ],
    )
    schema.operation_timeout = limits.timeout_seconds
    return schema
