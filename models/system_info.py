"""A user's SystemInfo and its ordered links to books and materials."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import Index, String
from sqlmodel import Field, SQLModel

from models.base import MYSQL_TABLE_ARGS, created_at_field, id_field, owner_field, updated_at_field
from models.types import BigIntId


class Language(enum.StrEnum):
    EN = "EN"
    KO = "KO"


class SystemInfo(SQLModel, table=True):
    __tablename__ = "system_info"
    __table_args__ = (
        Index("ix_system_info_user_page", "user_id", "created_at", "id"),
        Index("ix_system_info_user_updated", "user_id", "updated_at", "id"),
        MYSQL_TABLE_ARGS,
    )

    id: int | None = id_field()
    user_id: int = owner_field()
    description: str = Field(default="No Description", max_length=50)
    # Stored as its code, not a native ENUM, so adding a language is not a table rebuild.
    language: Language = Field(sa_type=String(2))
    major: str = Field(max_length=50)
    understanding_level: int
    only_use_reference_data: bool = False
    data_sequence: bool = False
    created_at: datetime = created_at_field()
    updated_at: datetime = updated_at_field()


class SystemInfoRefBook(SQLModel, table=True):
    __tablename__ = "system_info_ref_book"
    __table_args__ = MYSQL_TABLE_ARGS

    system_info_id: int = Field(
        primary_key=True, foreign_key="system_info.id", ondelete="CASCADE", sa_type=BigIntId
    )
    ref_book_id: int = Field(
        primary_key=True,
        foreign_key="ref_book.id",
        ondelete="CASCADE",
        sa_type=BigIntId,
        index=True,
    )
    position: int


class SystemInfoRefData(SQLModel, table=True):
    __tablename__ = "system_info_ref_data"
    __table_args__ = MYSQL_TABLE_ARGS

    system_info_id: int = Field(
        primary_key=True, foreign_key="system_info.id", ondelete="CASCADE", sa_type=BigIntId
    )
    ref_data_id: int = Field(
        primary_key=True,
        foreign_key="ref_data.id",
        ondelete="CASCADE",
        sa_type=BigIntId,
        index=True,
    )
    position: int
