from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, String
from sqlalchemy.dialects import mysql
from sqlmodel import Field, SQLModel

from models.base import MYSQL_TABLE_ARGS, created_at_field, id_field, updated_at_field
from models.types import BigIntId, UTCDateTime

# Case-folded copies carry the uniqueness; a binary collation keeps MySQL from
# also folding accents, so "unique ignoring case" means the same on both databases.
_KEY = String(254).with_variant(mysql.VARCHAR(254, collation="utf8mb4_bin"), "mysql", "mariadb")


def user_key(value: str) -> str:
    """What uniqueness and sign-in compare a username or email by: case folded."""
    return value.casefold()


class User(SQLModel, table=True):
    __tablename__ = "user"
    # Tokens name users by id: SQLite must never hand a deleted user's id to a new one.
    __table_args__ = {**MYSQL_TABLE_ARGS, "sqlite_autoincrement": True}

    id: int | None = id_field()
    username: str = Field(max_length=20)
    username_key: str = Field(sa_type=_KEY, unique=True)
    email: str = Field(max_length=254)
    email_key: str = Field(sa_type=_KEY, unique=True)
    password_hash: str = Field(max_length=255)
    is_admin: bool = Field(default=False, sa_type=Boolean, nullable=False)
    using_token: int = Field(default=0, ge=0, nullable=False)
    token_version: int = Field(default=0, nullable=False)
    created_at: datetime = created_at_field()
    updated_at: datetime = updated_at_field()


class RefreshToken(SQLModel, table=True):
    __tablename__ = "refresh_token"
    __table_args__ = MYSQL_TABLE_ARGS

    jti: str = Field(primary_key=True, max_length=64)
    user_id: int = Field(foreign_key="user.id", ondelete="CASCADE", sa_type=BigIntId, index=True)
    # The chain (session) the token belongs to: the jti of the chain's first token, copied
    # by every rotation; signing out deletes the chain by it.
    family: str = Field(max_length=64, index=True)
    expires_at: datetime = Field(sa_type=UTCDateTime, nullable=False, index=True)
    # Indexed for the purge of used tokens (a range, not a scan of the table).
    used_at: datetime | None = Field(default=None, sa_type=UTCDateTime, nullable=True, index=True)
