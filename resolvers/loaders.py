"""Per-request DataLoaders: one per part (resolvers/parts.py), made when first asked for.

Each batch is one SQL statement whose results are aligned to their keys. Every loader of a
request reads through the request's one read connection (db/reads.py), which lends itself to
one batch at a time. Nothing is cached across requests: a new Context makes new Loaders.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Sequence
from dataclasses import dataclass
from typing import Any

from aiodataloader import DataLoader

from db.reads import ReadConnections
from resolvers.parts import Part

# What `Loaders.ready` answers when the request does not have the value yet.
MISSING: Any = object()


@dataclass(frozen=True, slots=True)
class Prefetch:
    """A part to read for a page's objects, and what the part's own objects (a link's
    targets) read in turn (schema.lookahead works it out from the document)."""

    part: Any
    then: tuple[Prefetch, ...] = ()

    def __post_init__(self) -> None:
        if self.then and getattr(self.part, "whole", None) is None:
            raise ValueError(f"only a link's objects have parts of their own: {self.part!r}")


class Loaders:
    __slots__ = ("_loaders", "_reads", "_ready")

    def __init__(self, reads: ReadConnections) -> None:
        self._reads = reads
        self._loaders: dict[Part, DataLoader[int, Any]] = {}
        # What this request already holds, by (part, key): a page's prefetch or what a write
        # stored, with the columns its rows hold (None: every column).
        self._ready: dict[tuple[Any, int], tuple[frozenset[str] | None, Any]] = {}

    def of(self, part: Part) -> DataLoader[Any, Any]:
        loader = self._loaders.get(part)
        if loader is None:
            loader = self._loaders[part] = part.make_loader(self._reads)
        return loader

    def ready(self, part: Any, key: int) -> Any:
        """What `part` holds for `key` when this request has it already, else MISSING.

        A link narrowed to some columns (resolvers/parts.py) is answered by rows that hold
        at least those.
        """
        whole = getattr(part, "whole", part)
        found = self._ready.get((whole, key))
        if found is None:
            return MISSING
        kept, value = found
        if kept is not None and (part is whole or not kept.issuperset(part.kept)):
            return MISSING
        return value

    def load(self, part: Any, key: int) -> Awaitable[Any]:
        """What `part` holds for `key`; asked for now (this batch), awaited when it suits."""
        value = self.ready(part, key)
        if value is not MISSING:
            done: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
            done.set_result(value)
            return done
        whole = getattr(part, "whole", None)
        if whole is None:
            return self.of(part).load(key)
        # A link, whole or narrowed: its loader is keyed by the columns wanted too.
        return self.of(whole).load((key, part.kept))

    def load_many(self, part: Any, keys: Sequence[int]) -> Awaitable[list[Any]]:
        """`load` of each key (futures, gathered without a task each)."""
        return asyncio.gather(*(self.load(part, key) for key in keys))

    async def prefetch(self, part: Any, keys: Sequence[int]) -> list[Any]:
        """What `part` holds for each of `keys`, in order: read now for those the request
        does not hold yet, in one statement, so the fields that ask later find it `ready`
        instead of each awaiting a batch.

        The answer is returned, not looked up again afterwards: while the statement runs,
        a sibling field's prefetch may store the same keys with other columns.
        """
        found = {key: self.ready(part, key) for key in keys}
        missing = [key for key, value in found.items() if value is MISSING]
        if missing:
            whole = getattr(part, "whole", None)
            if whole is None:
                values = await self.of(part).batch_load_fn(missing)
                kept = None
            else:
                values = await self.of(whole).batch_load_fn([(key, part.kept) for key in missing])
                kept = None if part is whole else frozenset(part.kept)
            owner = part if whole is None else whole
            for key, value in zip(missing, values, strict=True):
                found[key] = value
                self._keep(owner, key, kept, value)
        return [found[key] for key in keys]

    def _keep(self, owner: Any, key: int, kept: frozenset[str] | None, value: Any) -> None:
        # Never narrower than what is held: rows with more columns answer more fields.
        held = self._ready.get((owner, key))
        if held is not None and (held[0] is None or (kept is not None and kept < held[0])):
            return
        self._ready[(owner, key)] = (kept, value)

    def answer(self, part: Part, key: int, value: Any) -> None:
        """What `key` loads in this request from now on: what a write just stored."""
        self._ready[(getattr(part, "whole", part), key)] = (None, value)

    def forget(self) -> None:
        """After a write, what was cached may be stale: later fields load afresh."""
        self._loaders.clear()
        self._ready.clear()
