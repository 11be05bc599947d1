"""What one GraphQL request may ask: depth, aliases, tokens, introspection (README "Limits").

Every limit is checked while parsing or validating the document, so a request that breaks
one is refused with QUERY_TOO_COMPLEX before any resolver runs or any SQL is sent.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from graphql import ASTValidationRule, GraphQLError, ValidationContext, ValidationRule
from strawberry.extensions import (
    AddValidationRules,
    DisableIntrospection,
    MaxAliasesLimiter,
    MaxTokensLimiter,
    QueryDepthLimiter,
    SchemaExtension,
)

from resolvers.errors import ErrorCode
from settings import Settings

# graphql-core's own messages for a document that hits the parser's limits.
_PARSER_LIMIT_MESSAGES = (
    "Syntax Error: Document contains more than",
    "Syntax Error: Document is nested too deeply",
)


@dataclass(frozen=True, slots=True)
class QueryLimits:
    max_depth: int = 8
    max_aliases: int = 20
    max_tokens: int = 1000
    introspection: bool = True
    timeout_seconds: float | None = 10.0

    @classmethod
    def from_settings(cls, settings: Settings) -> QueryLimits:
        return cls(
            max_depth=settings.max_query_depth,
            max_aliases=settings.max_query_aliases,
            max_tokens=settings.max_query_tokens,
            introspection=settings.introspection_enabled,
            timeout_seconds=settings.operation_timeout_seconds,
        )


def is_parser_limit(error: GraphQLError) -> bool:
    """A syntax error that is really the token or nesting limit of the parser."""
    return error.message.startswith(_PARSER_LIMIT_MESSAGES)


def _too_complex(rule: type[ASTValidationRule]) -> type[ASTValidationRule]:
    """`rule`, with every error it reports carrying extensions.code QUERY_TOO_COMPLEX.

    strawberry's depth and alias rules do all their work in __init__ and visit nothing,
    so running them inside this rule's __init__ is the whole of their effect.
    """

    class TooComplex(ValidationRule):
        def __init__(self, context: ValidationContext) -> None:
            report = context.on_error

            def tag(error: GraphQLError) -> None:
                error.extensions = {
                    **(error.extensions or {}),
                    "code": ErrorCode.QUERY_TOO_COMPLEX.value,
                }
                report(error)

            context.on_error = tag  # type: ignore[method-assign]
            try:
                rule(context)
            finally:
                context.on_error = report  # type: ignore[method-assign]
            super().__init__(context)

    TooComplex.__name__ = TooComplex.__qualname__ = f"TooComplex{rule.__name__}"
    return TooComplex


def limit_extensions(limits: QueryLimits) -> list[Callable[[], SchemaExtension]]:
    """Schema extension factories (one instance per request) enforcing `limits`."""
    # The rule classes are made once: the validation cache keys on them, and a class
    # made per request would never hit it.
    rules: list[type[ASTValidationRule]] = [
        _too_complex(rule)
        for limiter in (
            QueryDepthLimiter(max_depth=limits.max_depth),
            MaxAliasesLimiter(max_alias_count=limits.max_aliases),
        )
        for rule in limiter.validation_rules
    ]
    factories: list[Callable[[], SchemaExtension]] = [
        lambda: MaxTokensLimiter(max_token_count=limits.max_tokens),
        lambda: AddValidationRules(rules),
    ]
    if not limits.introspection:
        factories.append(DisableIntrospection)
    return factories
