"""Per-request DataLoaders: one per part (resolvers/parts.py), made when first asked for.

Each batch is one SQL statement whose results are aligned to their keys. Every loader of a
request reads through the request's one read connection (db/reads.py), which lends itself to
one batch at a time. Nothing is cached across requests: a new Context makes new Loaders.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from typing import Any

from aiodataloader import DataLoader

from db.reads import ReadSessions
from resolvers.parts import Part

_MISSING: Any = object()


class Loaders:
    __slots__ = ("_answers", "_loaders", "_reads")

    def __init__(self, reads: ReadSessions) -> None:
        self._reads = reads
        self._loaders: dict[Part, DataLoader[int, Any]] = {}
        # What writes of this request stored in links, by (link, key).
        self._answers: dict[tuple[Any, int], Any] = {}

    def of(self, part: Part) -> DataLoader[Any, Any]:
        loader = self._loaders.get(part)
        if loader is None:
            loader = self._loaders[part] = part.make_loader(self._reads)
        return loader

    def load(self, part: Any, key: int) -> Awaitable[Any]:
        """What `part` holds for `key`; asked for now (this batch), awaited when it suits."""
        whole = getattr(part, "whole", None)
        if whole is None:
            return self.of(part).load(key)
        # A link, whole or narrowed (resolvers/parts.py): its loader is keyed by the columns
        # wanted too, and what a write answered for the link answers every narrowing of it.
        answered = self._answers.get((whole, key), _MISSING)
        if answered is not _MISSING:
            done: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
            done.set_result(answered)
            return done
        return self.of(whole).load((key, part.kept))

    def answer(self, part: Part, key: int, value: Any) -> None:
        """What `key` loads in this request from now on: what a write just stored."""
        if getattr(part, "whole", None) is None:
            self.of(part).clear(key).prime(key, value)
        else:
            self._answers[(part, key)] = value

    def forget(self) -> None:
        """After a write, what was cached may be stale: later fields load afresh."""
        self._loaders.clear()
        self._answers.clear()
