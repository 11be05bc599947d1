"""The error codes of docs/design.md "Errors" and the one exception class that carries them."""

from __future__ import annotations

import enum
from collections.abc import Mapping
from typing import Any

from graphql import GraphQLError


class ErrorCode(enum.StrEnum):
    UNAUTHENTICATED = "UNAUTHENTICATED"
    FORBIDDEN = "FORBIDDEN"
    NOT_FOUND = "NOT_FOUND"
    BAD_USER_INPUT = "BAD_USER_INPUT"
    RATE_LIMITED = "RATE_LIMITED"
    QUERY_TOO_COMPLEX = "QUERY_TOO_COMPLEX"
    PERSISTED_QUERY_NOT_FOUND = "PERSISTED_QUERY_NOT_FOUND"
    GRAPHQL_PARSE_FAILED = "GRAPHQL_PARSE_FAILED"
    GRAPHQL_VALIDATION_FAILED = "GRAPHQL_VALIDATION_FAILED"
    SERVICE_UNAVAILABLE = "SERVICE_UNAVAILABLE"
    INTERNAL_SERVER_ERROR = "INTERNAL_SERVER_ERROR"


class AppError(GraphQLError):
    """An error the client can act on; it reaches the client unmasked with its code."""

    def __init__(self, code: ErrorCode, message: str, **extensions: Any) -> None:
        super().__init__(message, extensions={"code": code.value, **extensions})
        self.code = code


def unauthenticated(message: str = "Sign in required.") -> AppError:
    return AppError(ErrorCode.UNAUTHENTICATED, message)


def forbidden(message: str = "Not allowed.") -> AppError:
    return AppError(ErrorCode.FORBIDDEN, message)


def not_found(what: str = "Object") -> AppError:
    return AppError(ErrorCode.NOT_FOUND, f"{what} not found.")


def bad_input(fields: Mapping[str, str], message: str = "Invalid input.") -> AppError:
    return AppError(ErrorCode.BAD_USER_INPUT, message, fields=dict(fields))


def rate_limited(retry_after: int) -> AppError:
    return AppError(
        ErrorCode.RATE_LIMITED, "Too many attempts; try again later.", retryAfter=retry_after
    )


def service_unavailable() -> AppError:
    return AppError(ErrorCode.SERVICE_UNAVAILABLE, "Service temporarily unavailable; retry later.")
