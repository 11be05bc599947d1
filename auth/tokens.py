"""Access and refresh tokens: HS256 JWTs with sub, type, iat, exp, jti and ver claims."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Literal

import jwt

TokenType = Literal["access", "refresh"]
ALGORITHM = "HS256"
_REQUIRED = ["sub", "type", "iat", "exp", "jti", "ver"]


class InvalidToken(Exception):
    """Expired, forged, malformed, or of the wrong type."""


@dataclass(frozen=True, slots=True)
class Claims:
    user_id: int
    type: TokenType
    jti: str
    version: int
    expires_at: datetime


@dataclass(frozen=True, slots=True)
class IssuedToken:
    token: str
    claims: Claims


def issue(
    key: str,
    user_id: int,
    version: int,
    type_: TokenType,
    ttl: timedelta,
    now: datetime | None = None,
) -> IssuedToken:
    issued_at = now or datetime.now(UTC)
    expires_at = issued_at + ttl
    jti = uuid.uuid4().hex
    payload = {
        "sub": str(user_id),
        "type": type_,
        "iat": int(issued_at.timestamp()),
        "exp": int(expires_at.timestamp()),
        "jti": jti,
        "ver": version,
    }
    token = jwt.encode(payload, key, algorithm=ALGORITHM)
    return IssuedToken(token, Claims(user_id, type_, jti, version, expires_at))


def decode(key: str, token: str, expected: TokenType, *, allow_expired: bool = False) -> Claims:
    """The claims of a token this key signed; `allow_expired` accepts one past its `exp`
    (only for ending a session, never for opening one)."""
    try:
        payload = jwt.decode(
            token,
            key,
            algorithms=[ALGORITHM],
            options={"require": _REQUIRED, "verify_exp": not allow_expired},
        )
        if payload["type"] != expected:
            raise InvalidToken("wrong token type")
        return Claims(
            user_id=int(payload["sub"]),
            type=expected,
            jti=str(payload["jti"]),
            version=int(payload["ver"]),
            expires_at=datetime.fromtimestamp(payload["exp"], UTC),
        )
    except (jwt.PyJWTError, KeyError, TypeError, ValueError) as error:
        raise InvalidToken(str(error)) from error


def bearer_token(authorization: str | None) -> str | None:
    """The token of an `Authorization: Bearer <token>` header, or None."""
    if not authorization:
        return None
    scheme, _, token = authorization.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return token.strip()
