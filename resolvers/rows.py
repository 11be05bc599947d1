"""Read-only rows for hot reads: plain tuples with the model's attribute names.

Pages and loader batches are read-only and their data came valid from the database, so
building ORM objects for them (identity map, instance state, per-row result metadata) was
pure cost: over a tenth of a SystemInfo page's CPU in a profile. These carry the same
attributes as the models, so the schema reads them the same way; writes still use models.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any, NamedTuple, TypeVar

from sqlalchemy import Row

from models import PublicScript, RefBook, RefData, Script, SystemInfo


class RefBookRow(NamedTuple):
    id: int
    user_id: int
    author: str
    title: str
    created_at: datetime
    updated_at: datetime


class RefDataRow(NamedTuple):
    id: int
    user_id: int
    title: str
    created_at: datetime
    updated_at: datetime


class SystemInfoRow(NamedTuple):
    id: int
    user_id: int
    description: str
    language: str
    major: str
    understanding_level: int
    only_use_reference_data: bool
    data_sequence: bool
    created_at: datetime
    updated_at: datetime


class PublicScriptRow(NamedTuple):
    id: int
    user_id: int | None
    name: str
    description: str
    created_at: datetime
    updated_at: datetime


class ScriptRow(NamedTuple):
    id: int
    public_script_id: int
    number: int
    text: str


R = TypeVar("R", bound=tuple[Any, ...])
# Each row type with the columns to select for it, in its field order.
MODEL_OF: dict[type[Any], Any] = {
    RefBookRow: RefBook,
    RefDataRow: RefData,
    SystemInfoRow: SystemInfo,
    PublicScriptRow: PublicScript,
    ScriptRow: Script,
}


def columns(row_type: type[Any]) -> list[Any]:
    model = MODEL_OF[row_type]
    return [getattr(model, name) for name in row_type._fields]


def build(row_type: type[R], rows: Sequence[Row[Any]]) -> list[R]:
    return [row_type._make(row) for row in rows]  # type: ignore[attr-defined]
