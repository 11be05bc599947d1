"""What one GraphQL request may ask (docs/hardening.md), and the checks that enforce it.

Every limit on the document is checked before any resolver runs or any SQL is sent, in time
linear in the document: the parser's token and nesting limits while parsing, the shape
(depth, aliases, fields, repeated fields, introspection nesting; schema.shape) before the
validation rules, the cost (schema.cost) before execution. Each refusal is QUERY_TOO_COMPLEX.
The response-size cap (schema.http) is the backstop for what the cost does not foresee.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

import orjson

from resolvers.errors import ErrorCode
from schema.document import DocumentChecks, DocumentLimits
from schema.observe import current_operation
from schema.shape import ShapeLimits
from settings import Settings

log = logging.getLogger(__name__)


def _default(name: str) -> Any:
    """The setting's default: the numbers are written once, in settings.py."""
    return Settings.model_fields[name].default


@dataclass(frozen=True, slots=True)
class QueryLimits:
    max_depth: int = _default("max_query_depth")
    max_aliases: int = _default("max_query_aliases")
    max_tokens: int = _default("max_query_tokens")
    max_fields: int = _default("max_query_fields")
    max_repeated_fields: int = _default("max_query_repeated_fields")
    max_cost: int = _default("max_query_cost")
    max_response_bytes: int = _default("max_response_bytes")
    introspection: bool = True
    timeout_seconds: float | None = _default("operation_timeout_seconds")

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


def document_checks(limits: QueryLimits, *, hide_suggestions: bool) -> DocumentChecks:
    """The checks (and caches) of every document sent to one schema, enforcing `limits`."""
    return DocumentChecks(
        DocumentLimits(
            max_tokens=limits.max_tokens,
            shape=limits.shape,
            max_cost=limits.max_cost,
            hide_suggestions=hide_suggestions,
            introspection=limits.introspection,
        )
    )


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
