"""How errors leave the service: each with its `extensions.code`, the unexpected ones masked.

Expected errors (AppError) are not logged as faults; anything else is logged once with its
traceback and reaches the client as INTERNAL_SERVER_ERROR with nothing internal in it.

Errors made before execution are tagged with their code where they are made (`tag`): the
parser's limits and syntax errors (schema.document), the shape and cost limits, each
validation rule's errors, and the variable values that do not coerce (schema.execution). No
code is guessed from message text.
"""

from __future__ import annotations

import logging
from typing import Any

from graphql import GraphQLError, GraphQLSyntaxError
from strawberry.utils.str_converters import to_camel_case

from db.errors import is_unreachable
from resolvers.errors import AppError, ErrorCode

log = logging.getLogger("gpt_supporter.errors")

INTERNAL_MESSAGE = "Internal server error."
UNAVAILABLE_MESSAGE = "Service temporarily unavailable; retry later."


def tag(error: GraphQLError, code: ErrorCode) -> GraphQLError:
    """`error`, carrying `code` in its extensions (returned for chaining)."""
    error.extensions = {**(error.extensions or {}), "code": code.value}
    return error


def code_of(error: GraphQLError) -> ErrorCode:
    original = error.original_error
    if isinstance(original, AppError):
        return original.code
    # Tagged where it was made (schema.document, the executor's variable coercion).
    code = str((error.extensions or {}).get("code"))
    if code in ErrorCode.__members__:
        return ErrorCode(code)
    if original is None:
        if isinstance(error, GraphQLSyntaxError):
            return ErrorCode.GRAPHQL_PARSE_FAILED
        return ErrorCode.GRAPHQL_VALIDATION_FAILED
    if isinstance(original, GraphQLError):
        # Errors meant for the client are tagged where they are made (resolvers, the
        # executor's variable coercion); an untagged one is graphql-core's own complaint
        # about a value the service produced (an Int out of range, say): a fault.
        code = str((original.extensions or {}).get("code"))
        if code in ErrorCode.__members__:
            return ErrorCode(code)
        return ErrorCode.INTERNAL_SERVER_ERROR
    if is_unreachable(original):
        return ErrorCode.SERVICE_UNAVAILABLE
    return ErrorCode.INTERNAL_SERVER_ERROR


def log_errors(errors: list[GraphQLError]) -> None:
    for error in errors:
        code = code_of(error)
        if code is ErrorCode.INTERNAL_SERVER_ERROR:
            original = error.original_error
            log.error(
                "unexpected error at %s",
                error.path,
                exc_info=(type(original), original, original.__traceback__)
                if original is not None
                else None,
            )
        elif code is ErrorCode.SERVICE_UNAVAILABLE:
            log.warning("database unavailable at %s: %r", error.path, error.original_error)


def graphql_field_names(fields: dict[str, str]) -> dict[str, str]:
    """Resolvers name bad input fields as Python does; clients know them by GraphQL names."""
    return {to_camel_case(name): message for name, message in fields.items()}


def format_error(error: GraphQLError) -> dict[str, Any]:
    code = code_of(error)
    formatted = error.formatted
    extensions = dict(formatted.get("extensions") or {})
    if isinstance(extensions.get("fields"), dict):
        extensions["fields"] = graphql_field_names(extensions["fields"])
    if code is ErrorCode.INTERNAL_SERVER_ERROR:
        formatted["message"] = INTERNAL_MESSAGE
        extensions = {}
    elif code is ErrorCode.SERVICE_UNAVAILABLE and not isinstance(error.original_error, AppError):
        formatted["message"] = UNAVAILABLE_MESSAGE
        extensions = {}
    extensions["code"] = code.value
    formatted["extensions"] = extensions
    return dict(formatted)
