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
from sqlalchemy import select
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

    async def _rows(self, stmt: Any) -> Sequence[Any]:
        async with self.sessions() as session:
            return (await session.execute(stmt)).all()


class ContentByRefDataIdLoader(_SessionLoader):
    async def batch_load_fn(self, keys: list[int]) -> list[str]:
        rows = await self._rows(
            select(col(RefDataContent.ref_data_id), col(RefDataContent.text)).where(
                col(RefDataContent.ref_data_id).in_(keys)
            )
        )
        texts = {ref_data_id: text for ref_data_id, text in rows}
        return [texts.get(key, "") for key in keys]


class RefBooksBySystemInfoIdLoader(_SessionLoader):
    async def batch_load_fn(self, keys: list[int]) -> list[list[RefBookRow]]:
        link = SystemInfoRefBook
        rows = await self._rows(
            select(col(link.system_info_id), *columns(RefBookRow))
            .join(RefBook, col(RefBook.id) == col(link.ref_book_id))
            .where(col(link.system_info_id).in_(keys))
            .order_by(col(link.system_info_id), col(link.position))
        )
        grouped: dict[int, list[RefBookRow]] = defaultdict(list)
        for row in rows:
            grouped[row[0]].append(RefBookRow._make(row[1:]))
        return [grouped.get(key, []) for key in keys]


class RefDatasBySystemInfoIdLoader(_SessionLoader):
    async def batch_load_fn(self, keys: list[int]) -> list[list[RefDataRow]]:
        link = SystemInfoRefData
        rows = await self._rows(
            select(col(link.system_info_id), *columns(RefDataRow))
            .join(RefData, col(RefData.id) == col(link.ref_data_id))
            .where(col(link.system_info_id).in_(keys))
            .order_by(col(link.system_info_id), col(link.position))
        )
        grouped: dict[int, list[RefDataRow]] = defaultdict(list)
        for row in rows:
            grouped[row[0]].append(RefDataRow._make(row[1:]))
        return [grouped.get(key, []) for key in keys]


class ScriptsByPublicScriptIdLoader(_SessionLoader):
    async def batch_load_fn(self, keys: list[int]) -> list[list[ScriptRow]]:
        rows = await self._rows(
            select(*columns(ScriptRow))
            .where(col(Script.public_script_id).in_(keys))
            .order_by(col(Script.public_script_id), col(Script.number))
        )
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
