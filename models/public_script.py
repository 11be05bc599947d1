"""Public scripts, written by admins and read by everyone."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from models.base import MYSQL_TABLE_ARGS, created_at_field, id_field, owner_field, updated_at_field
from models.types import BigIntId


class PublicScript(SQLModel, table=True):
    __tablename__ = "public_script"
    __table_args__ = (
        Index("ix_public_script_page", "created_at", "id"),
        Index("ix_public_script_updated", "updated_at", "id"),
        Index("ix_public_script_name", "name", "id"),
        MYSQL_TABLE_ARGS,
    )

    id: int | None = id_field()
    # The script outlives its author's account.
    user_id: int | None = owner_field(ondelete="SET NULL", nullable=True)
    name: str = Field(max_length=100)
    description: str = Field(sa_type=Text)
    created_at: datetime = created_at_field()
    updated_at: datetime = updated_at_field()


class Script(SQLModel, table=True):
    __tablename__ = "script"
    __table_args__ = (
        UniqueConstraint("public_script_id", "number", name="uq_script_number"),
        MYSQL_TABLE_ARGS,
    )

    id: int | None = id_field()
    public_script_id: int = Field(
        foreign_key="public_script.id", ondelete="CASCADE", sa_type=BigIntId
    )
    number: int
    text: str = Field(sa_type=Text)
