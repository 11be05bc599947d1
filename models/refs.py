"""A user's reference books and reference materials (whose long text lives apart)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, Text
from sqlmodel import Field, SQLModel

from models.base import MYSQL_TABLE_ARGS, created_at_field, id_field, owner_field, updated_at_field
from models.types import BigIntId


class RefBook(SQLModel, table=True):
    __tablename__ = "ref_book"
    __table_args__ = (
        Index("ix_ref_book_user_page", "user_id", "created_at", "id"),
        # One per order a connection offers (resolvers/entities.py): pages stay index ranges.
        Index("ix_ref_book_user_updated", "user_id", "updated_at", "id"),
        Index("ix_ref_book_user_title", "user_id", "title", "id"),
        Index("ix_ref_book_user_author", "user_id", "author", "id"),
        MYSQL_TABLE_ARGS,
    )

    id: int | None = id_field()
    user_id: int = owner_field()
    author: str = Field(max_length=100)
    title: str = Field(max_length=100)
    created_at: datetime = created_at_field()
    updated_at: datetime = updated_at_field()


class RefData(SQLModel, table=True):
    __tablename__ = "ref_data"
    __table_args__ = (
        Index("ix_ref_data_user_page", "user_id", "created_at", "id"),
        Index("ix_ref_data_user_updated", "user_id", "updated_at", "id"),
        Index("ix_ref_data_user_title", "user_id", "title", "id"),
        MYSQL_TABLE_ARGS,
    )

    id: int | None = id_field()
    user_id: int = owner_field()
    title: str = Field(max_length=100)
    created_at: datetime = created_at_field()
    updated_at: datetime = updated_at_field()


class RefDataContent(SQLModel, table=True):
    __tablename__ = "ref_data_content"
    __table_args__ = MYSQL_TABLE_ARGS

    ref_data_id: int = Field(
        primary_key=True, foreign_key="ref_data.id", ondelete="CASCADE", sa_type=BigIntId
    )
    # TEXT: 3000 characters of 4-byte UTF-8 do not fit a VARCHAR(255).
    text: str = Field(sa_type=Text)
