"""Per-request DataLoaders: one per part (resolvers/parts.py), made when first asked for.

Each batch is one SQL statement whose results are aligned to their keys. Every loader of a
request reads through the request's one read session (db/reads.py), which lends itself to
one batch at a time. Nothing is cached across requests: a new Context makes new Loaders.
"""

from __future__ import annotations

from typing import Any

from aiodataloader import DataLoader

from db.reads import ReadSessions
from resolvers.parts import Part


class Loaders:
    __slots__ = ("_loaders", "_reads")

    def __init__(self, reads: ReadSessions) -> None:
        self._reads = reads
        self._loaders: dict[Part, DataLoader[int, Any]] = {}

    def of(self, part: Part) -> DataLoader[int, Any]:
        loader = self._loaders.get(part)
        if loader is None:
            loader = self._loaders[part] = part.make_loader(self._reads)
        return loader

    async def load(self, part: Part, key: int) -> Any:
        return await self.of(part).load(key)

    def answer(self, part: Part, key: int, value: Any) -> None:
        """What `key` loads in this request from now on: what a write just stored."""
        self.of(part).clear(key).prime(key, value)

    def forget(self) -> None:
        """After a write, what was cached may be stale: later fields load afresh."""
        self._loaders.clear()
