"""Per-request DataLoaders: one SQL statement per batch, results aligned to their keys.

Each batch opens its own session: sibling fields resolve concurrently and one
AsyncSession cannot serve two of them at once.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from aiodataloader import DataLoader
from sqlalchemy import BindParameter, bindparam, select
from sqlmodel import col

from db.reads import ReadSessions
from models import (
    RefBook,
    RefData,
    RefDataContent,
    Script,
    SystemInfoRefBook,
    SystemInfoRefData,
)
from resolvers.rows import RefBookRow, RefDataRow, ScriptRow, columns


class _SessionLoader(DataLoader[Any, Any]):
    def __init__(self, sessions: ReadSessions) -> None:
        super().__init__()
        self.sessions = sessions

    async def _rows(self, stmt: Any, keys: list[int]) -> Sequence[Any]:
        async with self.sessions() as session:
            return (await session.execute(stmt, {"keys": keys})).all()


# Built once: building a statement and its cache key on every batch cost more CPU than
# running it. `keys` expands to the batch's ids.
_KEYS: BindParameter[list[int]] = bindparam("keys", expanding=True)
_CONTENTS = select(col(RefDataContent.ref_data_id), col(RefDataContent.text)).where(
    col(RefDataContent.ref_data_id).in_(_KEYS)
)
_BOOKS = (
    select(col(SystemInfoRefBook.system_info_id), *columns(RefBookRow))
    .join(RefBook, col(RefBook.id) == col(SystemInfoRefBook.ref_book_id))
    .where(col(SystemInfoRefBook.system_info_id).in_(_KEYS))
    .order_by(col(SystemInfoRefBook.system_info_id), col(SystemInfoRefBook.position))
)
_DATAS = (
    select(col(SystemInfoRefData.system_info_id), *columns(RefDataRow))
    .join(RefData, col(RefData.id) == col(SystemInfoRefData.ref_data_id))
    .where(col(SystemInfoRefData.system_info_id).in_(_KEYS))
    .order_by(col(SystemInfoRefData.system_info_id), col(SystemInfoRefData.position))
)
_SCRIPTS = (
    select(*columns(ScriptRow))
    .where(col(Script.public_script_id).in_(_KEYS))
    .order_by(col(Script.public_script_id), col(Script.number))
)


class ContentByRefDataIdLoader(_SessionLoader):
    async def batch_load_fn(self, keys: list[int]) -> list[str]:
        rows = await self._rows(_CONTENTS, keys)
        texts = {ref_data_id: text for ref_data_id, text in rows}
        return [texts.get(key, "") for key in keys]


class RefBooksBySystemInfoIdLoader(_SessionLoader):
    async def batch_load_fn(self, keys: list[int]) -> list[list[RefBookRow]]:
        rows = await self._rows(_BOOKS, keys)
        grouped: dict[int, list[RefBookRow]] = defaultdict(list)
        for row in rows:
            grouped[row[0]].append(RefBookRow._make(row[1:]))
        return [grouped.get(key, []) for key in keys]


class RefDatasBySystemInfoIdLoader(_SessionLoader):
    async def batch_load_fn(self, keys: list[int]) -> list[list[RefDataRow]]:
        rows = await self._rows(_DATAS, keys)
        grouped: dict[int, list[RefDataRow]] = defaultdict(list)
        for row in rows:
            grouped[row[0]].append(RefDataRow._make(row[1:]))
        return [grouped.get(key, []) for key in keys]


class ScriptsByPublicScriptIdLoader(_SessionLoader):
    async def batch_load_fn(self, keys: list[int]) -> list[list[ScriptRow]]:
        rows = await self._rows(_SCRIPTS, keys)
        grouped: dict[int, list[ScriptRow]] = defaultdict(list)
        for row in rows:
            script = ScriptRow._make(row)
            grouped[script.public_script_id].append(script)
        return [grouped.get(key, []) for key in keys]


@dataclass(slots=True)
class Loaders:
    content_by_ref_data_id: ContentByRefDataIdLoader
    ref_books_by_system_info_id: RefBooksBySystemInfoIdLoader
    ref_datas_by_system_info_id: RefDatasBySystemInfoIdLoader
    scripts_by_public_script_id: ScriptsByPublicScriptIdLoader

    @classmethod
    def create(cls, sessions: ReadSessions) -> Loaders:
        return cls(
            content_by_ref_data_id=ContentByRefDataIdLoader(sessions),
            ref_books_by_system_info_id=RefBooksBySystemInfoIdLoader(sessions),
            ref_datas_by_system_info_id=RefDatasBySystemInfoIdLoader(sessions),
            scripts_by_public_script_id=ScriptsByPublicScriptIdLoader(sessions),
        )
