"""Parsing and validating a request's document, every limit first, each step cached.

These steps (run by schema.operation in place of strawberry's parse and validation) take over
from strawberry's ParserCache and ValidationCache, with the same bounded LRU caches keyed by
the query text, because they must:

- tell the parser's limits (QUERY_TOO_COMPLEX) from syntax errors (GRAPHQL_PARSE_FAILED) by
  the parser's own state, not by message text;
- refuse a document whose operation to run is ambiguous or missing (GraphQL spec, "Executing
  Requests": several operations need `operationName`); strawberry would run the first one;
- run the shape limits (schema.shape) as a pass of their own before graphql-core's rules: the
  rules run in one parallel traversal, so a limit among them would come too late;
- validate with graphql-core's `hide_suggestions` when suggestions are off, and tag every
  error with its code where it is made;
- refuse an operation whose static cost (schema.cost) for this request's variables is over
  the limit, before anything executes.

A refusal is raised (parsing) or put in `pre_execution_errors` (validation): no resolver runs
and no SQL is sent.

A trusted document (schema.trusted) skips all of it: the view puts the StoredDocument in
`current_document`, its parse step takes the DocumentNode parsed at start-up and its
validation step runs only the document's per-request checks (its cost for these
variables). At start-up each manifest document goes through these same steps with a
`Compilation` in `current_document`: checked exactly as a request would be, outside the
caches (their slots are for documents sent as text), captured, and not executed.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from contextvars import ContextVar
from dataclasses import dataclass, field
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from graphql import (
    ASTValidationRule,
    DocumentNode,
    GraphQLError,
    GraphQLSchema,
    GraphQLSyntaxError,
    NoSchemaIntrospectionCustomRule,
    OperationDefinitionNode,
    ScalarLeafsRule,
    Source,
    validate,
)
from graphql.language.parser import Parser
from strawberry.schema.validation_rules.maybe_null import MaybeNullValidationRule
from strawberry.schema.validation_rules.one_of import OneOfInputValidationRule
from strawberry.types import ExecutionContext

from resolvers.errors import AppError, ErrorCode
from schema.cost import CostPlan, compile_cost
from schema.errors import tag
from schema.shape import ShapeLimits, measure

if TYPE_CHECKING:
    from schema.trusted import StoredDocument

CACHE_SIZE = 256


@dataclass(slots=True)
class Compilation:
    """A manifest document going through the pipeline at start-up, not executed."""

    document: DocumentNode | None = field(default=None)


# Set by the view (schema.http) around one operation, by schema.trusted at start-up.
current_document: ContextVar[StoredDocument | Compilation | None] = ContextVar(
    "gpt_supporter_document", default=None
)


def parse_document(query: str, max_tokens: int) -> DocumentNode:
    """`query` parsed; a GraphQLSyntaxError tagged with the code of what stopped the parser."""
    parser = Parser(Source(query), max_tokens=max_tokens)
    try:
        return parser.parse_document()
    except RecursionError:
        # Raised below, outside this handler, so the error does not keep the recursion's frames.
        pass
    except GraphQLSyntaxError as error:
        # The parser stops at its token limit either on the token past it (its count says so)
        # or, in a run of comments, at a comment; no syntax error is ever found at a comment.
        position = next(iter(error.positions or ()), 0)
        limit = parser.token_count > max_tokens or query[position : position + 1] == "#"
        code = ErrorCode.QUERY_TOO_COMPLEX if limit else ErrorCode.GRAPHQL_PARSE_FAILED
        raise tag(error, code) from None
    deep = GraphQLSyntaxError(Source(query), 0, "Document is nested too deeply. Parsing aborted.")
    raise tag(deep, ErrorCode.QUERY_TOO_COMPLEX)


def operation_problem(document: DocumentNode, operation_name: str | None) -> str | None:
    """Why the request names no single operation of `document` to run, or None."""
    operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    if operation_name is not None:
        if any(op.name is not None and op.name.value == operation_name for op in operations):
            return None
        return f"The document defines no operation named '{operation_name}'."
    if len(operations) > 1:
        return (
            f"The document defines {len(operations)} operations; send `operationName` to say "
            "which one to run."
        )
    return None if operations else "The document defines no operation."


class _QuietScalarLeafsRule(ScalarLeafsRule):
    """ScalarLeafsRule without its hint, which `hide_suggestions` does not cover."""

    def report_error(self, error: GraphQLError) -> None:
        if self.context.hide_suggestions and error.nodes:
            name = getattr(error.nodes[0], "name", None)
            if name is not None:
                error.message = error.message.removesuffix(
                    f" Did you mean '{name.value} {{ ... }}'?"
                )
        super().report_error(error)


@dataclass(frozen=True, slots=True)
class DocumentLimits:
    max_tokens: int
    shape: ShapeLimits
    max_cost: int
    hide_suggestions: bool
    # False: introspection fields are refused in validation (graphql-core's rule, as
    # strawberry's DisableIntrospection adds it, without a per-request hook).
    introspection: bool = True


class DocumentChecks:
    """The limits of one schema and its caches (shared by every request to it)."""

    def __init__(self, limits: DocumentLimits) -> None:
        self.limits = limits
        self.parse = lru_cache(maxsize=CACHE_SIZE)(self._parse)
        self.validate = lru_cache(maxsize=CACHE_SIZE)(self._validate)
        self.plan = lru_cache(maxsize=CACHE_SIZE)(self._plan)
        self._extra_rules: tuple[type[ASTValidationRule], ...] = (
            () if limits.introspection else (NoSchemaIntrospectionCustomRule,)
        )

    def rules(
        self, given: Sequence[type[ASTValidationRule]]
    ) -> tuple[type[ASTValidationRule], ...]:
        """strawberry's rules for the request, and ours."""
        return (*given, *self._extra_rules)

    def _parse(self, query: str) -> DocumentNode:
        return parse_document(query, self.limits.max_tokens)

    def _validate(
        self, schema: GraphQLSchema, query: str, rules: Sequence[type[ASTValidationRule]]
    ) -> list[GraphQLError]:
        document = self.parse(query)
        refusal = measure(document, self.limits.shape).refusal
        if refusal is not None:
            return [refusal]
        hide = self.limits.hide_suggestions
        checked = tuple(
            _QuietScalarLeafsRule if hide and rule is ScalarLeafsRule else rule for rule in rules
        )
        errors = validate(
            schema,
            document,
            (*checked, MaybeNullValidationRule, OneOfInputValidationRule),
            hide_suggestions=hide,
        )
        return [tag(error, ErrorCode.GRAPHQL_VALIDATION_FAILED) for error in errors]

    def _plan(self, schema: GraphQLSchema, query: str, operation_name: str | None) -> CostPlan:
        return compile_cost(schema, self.parse(query), operation_name)

    # ---- the steps of one request (schema.operation) ---------------------------------

    def parse_step(self, context: ExecutionContext) -> None:
        """Puts the request's DocumentNode in `context`; raises what refuses it."""
        current = current_document.get()
        if current is not None and not isinstance(current, Compilation):
            context.graphql_document = current.document  # parsed and checked at start-up
        elif context.graphql_document is None and context.query:
            startup = isinstance(current, Compilation)
            query = context.query
            document = self._parse(query) if startup else self.parse(query)
            # The name the client sent, not strawberry's fallback to the first operation's.
            # (A manifest document must hold exactly one: schema.trusted says so itself.)
            problem = operation_problem(document, context._provided_operation_name)
            if problem is not None and not startup:
                raise AppError(ErrorCode.GRAPHQL_VALIDATION_FAILED, problem)
            context.graphql_document = document
            if isinstance(current, Compilation):
                current.document = document

    def validate_step(self, context: ExecutionContext) -> list[GraphQLError]:
        """The errors that refuse the parsed document for this request (empty: run it)."""
        current = current_document.get()
        if current is not None and not isinstance(current, Compilation):
            return current.check(context.variables)
        schema: GraphQLSchema = context.schema._schema
        query = context.query
        assert query is not None  # parse_step refused a request without one
        rules = self.rules(context.validation_rules)
        if isinstance(current, Compilation):
            # Outside the caches; the cost depends on each request's variables, so it is
            # left to the stored document's checks.
            return self._validate(schema, query, rules)
        errors = list(self.validate(schema, query, rules))
        if not errors:
            plan = self.plan(schema, query, context.operation_name)
            cost = plan.cost(context.variables)
            if cost > self.limits.max_cost:
                errors = [too_costly(cost, self.limits.max_cost)]
        return errors


def too_costly(cost: int, limit: int) -> AppError:
    return AppError(
        ErrorCode.QUERY_TOO_COMPLEX,
        f"The operation costs {cost}, over the limit of {limit}: it can return that many "
        "objects (a connection multiplies what is under it by its first/last, a list by its "
        "most entries, long texts count per 1,000 characters). Ask for smaller pages or fewer "
        "fields.",
        cost=cost,
        limit=limit,
    )


RequestCheck = Callable[[Mapping[str, Any] | None], list[GraphQLError]]


def cost_check(
    schema: GraphQLSchema, max_cost: int
) -> Callable[[DocumentNode, str | None], RequestCheck]:
    """Compiles a document's cost plan once; the check evaluates it per request."""

    def compile_check(document: DocumentNode, operation_name: str | None) -> RequestCheck:
        plan = compile_cost(schema, document, operation_name)

        def check(variables: Mapping[str, Any] | None) -> list[GraphQLError]:
            cost = plan.cost(variables)
            return [too_costly(cost, max_cost)] if cost > max_cost else []

        return check

    return compile_check


def compiling() -> bool:
    """A manifest document is being checked at start-up: it must not execute."""
    return isinstance(current_document.get(), Compilation)
