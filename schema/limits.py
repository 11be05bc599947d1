"""What one GraphQL request may ask (docs/hardening.md), and the extensions that
check it.

Every limit on the document is checked before any resolver runs or any SQL is sent, in time
linear in the document: the parser's token and nesting limits while parsing, the shape
(depth, aliases, fields, repeated fields, introspection nesting; schema.shape) before the
validation rules, the cost (schema.cost) before execution. Each refusal is QUERY_TOO_COMPLEX.
The response-size cap (schema.http) is the backstop for what the cost does not foresee.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

import orjson
from strawberry.extensions import DisableIntrospection, SchemaExtension

from resolvers.errors import ErrorCode
from schema.document import DocumentLimits, checked_document
from schema.observe import current_operation
from schema.shape import ShapeLimits
from settings import Settings

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class QueryLimits:
    max_depth: int = 8
    max_aliases: int = 20
    max_tokens: int = 1000
    max_fields: int = 300
    max_repeated_fields: int = 50
    max_cost: int = 30_000
    max_response_bytes: int = 32 * 1024 * 1024
    introspection: bool = True
    timeout_seconds: float | None = 10.0

    @classmethod
    def from_settings(cls, settings: Settings) -> QueryLimits:
        return cls(
            max_depth=settings.max_query_depth,
            max_aliases=settings.max_query_aliases,
            max_tokens=settings.max_query_tokens,
            max_fields=settings.max_query_fields,
            max_repeated_fields=settings.max_query_repeated_fields,
            max_cost=settings.max_query_cost,
            max_response_bytes=settings.max_response_bytes,
            introspection=settings.introspection_enabled,
            timeout_seconds=settings.operation_timeout_seconds,
        )

    @property
    def shape(self) -> ShapeLimits:
        return ShapeLimits(
            max_depth=self.max_depth,
            max_aliases=self.max_aliases,
            max_fields=self.max_fields,
            max_repeated_fields=self.max_repeated_fields,
        )


def limit_extensions(
    limits: QueryLimits, *, hide_suggestions: bool
) -> list[Callable[[], SchemaExtension]]:
    """Schema extension factories (one instance per request) enforcing `limits`."""
    factories: list[Callable[[], SchemaExtension]] = [
        # Parses and validates (cached), every limit first; replaces ParserCache and
        # ValidationCache.
        checked_document(
            DocumentLimits(
                max_tokens=limits.max_tokens,
                shape=limits.shape,
                max_cost=limits.max_cost,
                hide_suggestions=hide_suggestions,
            )
        ),
    ]
    if not limits.introspection:
        factories.append(DisableIntrospection)
    return factories


def oversized_answer(size: int, limit: int) -> bytes:
    """The body sent instead of an answer of `size` bytes, over MAX_RESPONSE_BYTES."""
    log.warning("answer of %d bytes not sent: over MAX_RESPONSE_BYTES (%d)", size, limit)
    code = ErrorCode.QUERY_TOO_COMPLEX.value
    info = current_operation.get()
    if info is not None:
        info.error_codes = (*info.error_codes, code)
    message = (
        f"The answer would be {size} bytes, over the limit of {limit}; nothing of it is sent. "
        "Ask for smaller pages or fewer fields."
    )
    error = {
        "message": message,
        "extensions": {"code": code, "responseBytes": size, "limit": limit},
    }
    return orjson.dumps({"data": None, "errors": [error]})
