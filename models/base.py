"""Columns and options shared by every table."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from sqlmodel import Field

from models.types import BigIntId, UTCDateTime, utcnow

# Korean and emoji need 4-byte UTF-8 whatever the server's default charset is.
MYSQL_TABLE_ARGS: dict[str, Any] = {
    "mysql_charset": "utf8mb4",
    "mysql_collate": "utf8mb4_unicode_ci",
}


def id_field() -> Any:
    return Field(default=None, primary_key=True, sa_type=BigIntId)


def owner_field(
    ondelete: Literal["CASCADE", "SET NULL"] = "CASCADE", nullable: bool = False
) -> Any:
    kwargs: dict[str, Any] = {"default": None} if nullable else {}
    return Field(
        foreign_key="user.id", ondelete=ondelete, sa_type=BigIntId, nullable=nullable, **kwargs
    )


def created_at_field() -> Any:
    return Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)


def updated_at_field() -> Any:
    return Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)


__all__ = ["MYSQL_TABLE_ARGS", "created_at_field", "datetime", "id_field", "owner_field"]
