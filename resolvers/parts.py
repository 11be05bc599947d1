"""The parts of an entity stored outside its own row: ordered links, a long text, numbered texts.

Each part is declared once on its entity (resolvers/entities.py) and knows how to check its
input, write it inside the entity's transaction, and read it back in batches (its loader).
The write returns exactly what a read would give, so a mutation answers with what it wrote
even when another caller changes it right after the commit.
"""

from __future__ import annotations

import dataclasses
import functools
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from operator import itemgetter
from typing import Any, Protocol

from aiodataloader import DataLoader
from sqlalchemy import (
    BindParameter,
    ColumnElement,
    bindparam,
    delete,
    insert,
    inspect,
    select,
    update,
)
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import SQLModel

from db.reads import ReadConnections, Statements
from resolvers.entity import Entity, row_type
from resolvers.errors import bad_input
from resolvers.validation import REQUIRED, FieldErrors, Text

UNKNOWN_IDS = "Unknown ids, or not yours."


class _NotLoaded:
    """A column a narrowed read left out. No serializer or resolver accepts it: a field that
    reads a column its declaration did not name fails loudly, it never answers a guess."""

    __slots__ = ()

    def __repr__(self) -> str:
        return "NOT_LOADED"

    # graphql-core's String serializer accepts any non-builtin object through str(), and
    # Python code tests values for truth: both must fail, not answer "NOT_LOADED" or True.
    def __str__(self) -> str:
        raise TypeError("a column this read left out was used")

    def __bool__(self) -> bool:
        raise TypeError("a column this read left out was used")


NOT_LOADED: Any = _NotLoaded()


# Batches up to this size get a statement per bucket; larger ones (rare: many pages of
# many links in one request) one expanding statement, as every batch had before. 512 keeps a
# filled bucket within SQLite's oldest variable limit (999) and MariaDB's IN-list size that
# turns the list into a table (in_predicate_conversion_threshold, 1000).
MAX_BUCKET = 512


class ByKeys:
    """A read of the rows whose `key` is in a batch: `build(condition)` makes the statement
    from the condition `key IN (...)`, once per bucket of batch sizes (1, 2, 4, 8, ... bound
    parameters of the key's type); a batch fills its bucket by repeating its last key, which
    changes no answer.

    Building a statement per batch cost more CPU than running it; an expanding parameter
    re-renders the statement's SQL on every execution (~45 calls for 6 keys, ~165 for 30).
    """

    __slots__ = ("_build", "_built", "_key")

    def __init__(self, key: ColumnElement[Any], build: Callable[[ColumnElement[bool]], Any]):
        self._key = key
        self._build = build
        self._built: dict[int, Any] = {}

    def bind(self, keys: Sequence[Any]) -> tuple[Any, dict[str, Any]]:
        """The statement for `keys` (at least one) and its parameters."""
        count = len(keys)
        size = 1 << (count - 1).bit_length() if count <= MAX_BUCKET else 0
        statement = self._built.get(size)
        if statement is None:
            kind = self._key.type
            listed = [bindparam(name, type_=kind) for name in _key_names(size)]
            statement = self._built[size] = self._build(self._key.in_(listed if size else _KEYS))
        if not size:
            return statement, {"keys": list(keys)}
        padded = [*keys, *([keys[-1]] * (size - count))]
        return statement, dict(zip(_key_names(size), padded, strict=True))


_KEYS: BindParameter[list[int]] = bindparam("keys", expanding=True)


@functools.cache
def _key_names(size: int) -> tuple[str, ...]:
    return tuple(f"key_{index}" for index in range(size))


class Part(Protocol):
    @property
    def field(self) -> str:
        """The input field (Python name) that carries the part."""
        ...

    @property
    def default(self) -> Any:
        """What a create stores when the input leaves the part out (REQUIRED: it must be
        given)."""
        ...

    def parse(self, errors: FieldErrors, value: Any) -> Any:
        """Checks a non-null input value; returns what `write` takes."""
        ...

    async def write(
        self, session: AsyncSession, owner_pk: int, user_id: int, parsed: Any, replace: bool
    ) -> Any:
        """Stores `parsed` for the owner (replacing what was there when `replace`); returns
        what the part's loader would now load for the owner."""
        ...

    def make_loader(self, reads: ReadConnections) -> DataLoader[int, Any]: ...


class _BatchLoader(DataLoader[int, Any]):
    """One statement per batch; `group` turns its rows into one result per key, in key order."""

    def __init__(self, reads: ReadConnections, stmt: ByKeys, group: Any, empty: Any) -> None:
        super().__init__()
        self._reads, self._stmt, self._group, self._empty = reads, stmt, group, empty

    async def batch_load_fn(self, keys: list[int]) -> list[Any]:
        statement, params = self._stmt.bind(keys)
        async with self._reads() as connection:
            found = (await connection.execute(statement, params)).all()
        grouped = self._group(found)
        return [grouped.get(key, self._empty) for key in keys]


def _group_lists(make: Any) -> Any:
    def group(found: Sequence[Any]) -> dict[int, list[Any]]:
        grouped: dict[int, list[Any]] = defaultdict(list)
        for raw in found:
            grouped[raw[0]].append(make(raw[1:]))
        return grouped

    return group


def _column(model: type[SQLModel], name: str) -> Any:
    return inspect(model).columns[name]


@dataclass(frozen=True, eq=False)
class Link:
    """Ordered links from an entity to `target` objects of the same user, in `table`.

    The link table has one foreign key to the owner's table and one to the target's, and a
    `position` column; they are found from the table itself.
    """

    field: str
    target: Entity[Any]
    table: type[SQLModel]
    owner_table: str
    max_links: int = 50
    default: Any = ()
    owner_key: Any = dataclasses.field(init=False)
    target_key: Any = dataclasses.field(init=False)
    _load: Any = dataclasses.field(init=False)
    _narrowed: dict[frozenset[str], Any] = dataclasses.field(init=False)
    _reads: dict[frozenset[str], tuple[Any, Any]] = dataclasses.field(init=False)
    kept: tuple[str, ...] = dataclasses.field(init=False)

    def __post_init__(self) -> None:
        keys = {
            fk.column.table.name: fk.parent for fk in inspect(self.table).local_table.foreign_keys
        }
        object.__setattr__(self, "owner_key", keys[self.owner_table])
        object.__setattr__(self, "target_key", keys[self.target.table.name])
        position = _column(self.table, "position")
        target_id = self.target.column("id")
        stmt = ByKeys(
            self.owner_key,
            lambda keys_in: (
                select(self.owner_key, *self.target.columns)
                .join(self.target.table, target_id == self.target_key)
                .where(keys_in)
                .order_by(self.owner_key, position)
            ),
        )
        object.__setattr__(self, "_load", stmt)
        object.__setattr__(self, "_narrowed", {})
        object.__setattr__(self, "_reads", {})
        object.__setattr__(self, "kept", tuple(self.target.row._fields))

    @property
    def whole(self) -> Link:
        return self

    def narrowed(self, names: frozenset[str]) -> Any:
        """This link read for a selection that needs only the target's columns `names` (and
        its id); its rows hold NOT_LOADED in the other columns.

        30 linked books cost 0.6-0.7 ms to read with every column and 0.4 ms with the two a
        title list needs: the driver parses each column of each row in Python.
        """
        found = self._narrowed.get(names)
        if found is None:
            kept = tuple(name for name in self.kept if name in names or name == "id")
            found = self if kept == self.kept else _NarrowedLink(self, kept)
            self._narrowed[names] = found
        return found

    def read_of(self, names: frozenset[str]) -> tuple[Any, Any]:
        """The statement reading the target's columns `names`, and what makes a row of its
        result (every other column NOT_LOADED); built once per set of columns."""
        found = self._reads.get(names)
        if found is not None:
            return found
        kept = tuple(name for name in self.kept if name in names)
        make = self.target.row._make
        if kept == self.kept:
            found = (self._load, make)
        else:
            target = self.target
            stmt = ByKeys(
                self.owner_key,
                lambda keys_in: (
                    select(self.owner_key, *(target.column(name) for name in kept))
                    .join(target.table, target.column("id") == self.target_key)
                    .where(keys_in)
                    .order_by(self.owner_key, _column(self.table, "position"))
                ),
            )
            # Each row field's place in (*selected, NOT_LOADED): a selected column, or last.
            places = [kept.index(name) if name in kept else len(kept) for name in self.kept]
            pick = itemgetter(*places)

            def row(raw: Sequence[Any]) -> Any:
                return make(pick((*raw, NOT_LOADED)))

            found = (stmt, row)
        self._reads[names] = found
        return found

    def parse(self, errors: FieldErrors, value: Sequence[str]) -> list[int]:
        """Primary keys in the client's order; too many, malformed or repeated ids are errors."""
        if len(value) > self.max_links:
            errors.add(self.field, f"At most {self.max_links} ids.")
            return []
        pks: list[int] = []
        for global_id in value:
            pk = self.target.pk_of(global_id)
            if pk is None:
                errors.add(self.field, f"Not a {self.target.type_name} id: {global_id!r}.")
                return []
            if pk in pks:
                errors.add(self.field, f"Repeated id: {global_id!r}.")
                return []
            pks.append(pk)
        return pks

    async def owned(self, session: Statements, user_id: int, pks: list[int]) -> list[Any] | None:
        """The targets `pks` name, as rows in that order; None unless every one is the user's.

        Only reads: a write checks its links with it inside its transaction, a preview
        on the request's read connection.
        """
        if not pks:
            return []
        target = self.target
        found = await session.execute(
            select(*target.columns).where(
                target.column("id").in_(pks), target.column("user_id") == user_id
            )
        )
        owned = {row.id: row for row in target.rows(found.all())}
        if any(pk not in owned for pk in pks):
            return None
        return [owned[pk] for pk in pks]

    async def write(
        self, session: AsyncSession, owner_pk: int, user_id: int, parsed: list[int], replace: bool
    ) -> list[Any]:
        linked = await self.owned(session, user_id, parsed)
        if linked is None:
            # Raising rolls the whole transaction back: nothing of this write remains.
            raise bad_input({self.field: UNKNOWN_IDS})
        if replace:
            await session.execute(delete(self.table).where(self.owner_key == owner_pk))
        if parsed:
            rows = [
                {self.owner_key.key: owner_pk, self.target_key.key: pk, "position": position}
                for position, pk in enumerate(parsed)
            ]
            try:
                await session.execute(insert(self.table), rows)
            except IntegrityError as error:
                # A target was deleted between the ownership check and this insert: the
                # statement that failed says which field it was.
                raise bad_input({self.field: UNKNOWN_IDS}) from error
        return linked

    def make_loader(self, reads: ReadConnections) -> DataLoader[Any, Any]:
        return _LinkLoader(reads, self)


@dataclass(frozen=True, eq=False)
class _NarrowedLink:
    """`link` read for a selection that needs only the target's columns `kept`."""

    whole: Link
    kept: tuple[str, ...]


class _LinkLoader(DataLoader[tuple[int, tuple[str, ...]], Any]):
    """Keys are (owner, columns wanted): one statement per batch reads the union of the
    batch's columns, so `refBooks { title }` beside `generatedDialogue` (every column)
    still costs one statement; each key is cached apart, so a narrow row never answers a
    later read that needs more."""

    def __init__(self, reads: ReadConnections, link: Link) -> None:
        super().__init__()
        self._reads, self._link = reads, link

    async def batch_load_fn(self, keys: list[tuple[int, tuple[str, ...]]]) -> list[Any]:
        wanted = frozenset(name for _, kept in keys for name in kept)
        stmt, row = self._link.read_of(wanted)
        # An owner asked for with two selections is read once.
        owners = list(dict.fromkeys(pk for pk, _ in keys))
        statement, params = stmt.bind(owners)
        async with self._reads() as connection:
            found = (await connection.execute(statement, params)).all()
        grouped = _group_lists(row)(found)
        return [grouped.get(pk, []) for pk, _ in keys]


@dataclass(frozen=True, eq=False)
class LongText:
    """A text kept in a table of its own (one row per owner), read only when asked for."""

    field: str
    table: type[SQLModel]
    key: str
    column: str
    rule: Text
    default: Any = REQUIRED
    _load: Any = dataclasses.field(init=False)

    def __post_init__(self) -> None:
        key, text = _column(self.table, self.key), _column(self.table, self.column)
        object.__setattr__(
            self, "_load", ByKeys(key, lambda keys_in: select(key, text).where(keys_in))
        )

    def parse(self, errors: FieldErrors, value: Any) -> Any:
        return self.rule.check(errors, self.field, value)

    async def write(
        self, session: AsyncSession, owner_pk: int, user_id: int, parsed: str, replace: bool
    ) -> str:
        if replace:
            await session.execute(
                update(self.table)
                .where(_column(self.table, self.key) == owner_pk)
                .values({self.column: parsed})
            )
        else:
            row = {self.key: owner_pk, self.column: parsed}
            await session.execute(insert(self.table).values(row))
        return parsed

    def make_loader(self, reads: ReadConnections) -> DataLoader[int, Any]:
        return _BatchLoader(reads, self._load, lambda found: dict(found), "")


@dataclass(frozen=True, eq=False)
class NumberedTexts:
    """1 to `max_items` texts numbered from 1, replaced as a whole."""

    field: str
    table: type[SQLModel]
    key: str
    max_items: int
    max_len: int
    default: Any = REQUIRED
    row: Any = dataclasses.field(init=False)
    _load: Any = dataclasses.field(init=False)

    def __post_init__(self) -> None:
        row = row_type(self.table, exclude=("id", self.key))
        object.__setattr__(self, "row", row)
        key, number = _column(self.table, self.key), _column(self.table, "number")
        columns = [_column(self.table, name) for name in row._fields]
        stmt = ByKeys(
            key, lambda keys_in: select(key, *columns).where(keys_in).order_by(key, number)
        )
        object.__setattr__(self, "_load", stmt)

    def parse(self, errors: FieldErrors, value: Sequence[str]) -> list[str]:
        if not 1 <= len(value) <= self.max_items:
            errors.add(self.field, f"Give 1 to {self.max_items} scripts.")
        for number, text in enumerate(value, start=1):
            if not text.strip():
                errors.add(self.field, f"Script {number} must not be empty.")
            elif len(text) > self.max_len:
                errors.add(self.field, f"Script {number} has more than {self.max_len} characters.")
        return list(value)

    async def write(
        self, session: AsyncSession, owner_pk: int, user_id: int, parsed: list[str], replace: bool
    ) -> list[Any]:
        if replace:
            key = _column(self.table, self.key)
            await session.execute(delete(self.table).where(key == owner_pk))
        rows = [{self.key: owner_pk, "number": n, "text": t} for n, t in enumerate(parsed, 1)]
        await session.execute(insert(self.table), rows)
        return [self.row(number=n, text=t) for n, t in enumerate(parsed, 1)]

    def make_loader(self, reads: ReadConnections) -> DataLoader[int, Any]:
        return _BatchLoader(reads, self._load, _group_lists(self.row._make), [])
