"""Keyset pagination over (created_at, id) descending, with opaque cursors.

A page is found with an index range, never OFFSET, so row one million costs what row one
does; the cursor holds both keys, so it stays valid when rows are inserted before it and
does not assume ids grow with time.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, Generic, TypeVar

from sqlalchemy import ColumnElement, and_, exists, func, or_, select
from sqlmodel import SQLModel

from db.reads import ReadSessions
from resolvers.entity import Entity
from resolvers.errors import bad_input
from resolvers.ids import parse_pk

DEFAULT_PAGE_SIZE = 20
MAX_PAGE_SIZE = 100
_CURSOR_PREFIX = "k1:"
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MICROSECOND = timedelta(microseconds=1)

R = TypeVar("R")
M = TypeVar("M", bound=SQLModel)
_BEYOND = "_beyond"


@dataclass(frozen=True, slots=True)
class PageArgs:
    first: int | None = None
    after: str | None = None
    last: int | None = None
    before: str | None = None


@dataclass(frozen=True, slots=True)
class CursorKey:
    created_at: datetime
    id: int


def encode_cursor(created_at: datetime, pk: int) -> str:
    micros = (created_at - _EPOCH) // _MICROSECOND
    raw = f"{_CURSOR_PREFIX}{micros}:{pk}".encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str) -> CursorKey | None:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        raw = base64.urlsafe_b64decode(padded.encode("ascii")).decode("ascii")
    except (binascii.Error, UnicodeError, ValueError):
        return None
    if not raw.startswith(_CURSOR_PREFIX):
        return None
    micros, sep, pk = raw[len(_CURSOR_PREFIX) :].partition(":")
    key = parse_pk(pk)
    if not sep or not micros.isdigit() or key is None:
        return None
    try:
        created = _EPOCH + int(micros) * _MICROSECOND
    except (OverflowError, ValueError):  # ValueError: more digits than int() takes
        return None
    return CursorKey(created, key)


@dataclass(slots=True)
class Page(Generic[R]):
    rows: Sequence[R]
    has_next_page: bool
    has_previous_page: bool
    count: Callable[[], Awaitable[int]]
    # The values of the page's named extra columns (uncorrelated: one value for the whole
    # page); absent when the page is empty and so carried no answer.
    extras: Mapping[str, Any] = field(default_factory=dict)

    @staticmethod
    def cursor_of(row: Any) -> str:
        return encode_cursor(row.created_at, row.id)


def _validate(args: PageArgs) -> tuple[int, bool, CursorKey | None, CursorKey | None]:
    """(limit, backward, after key, before key), or BAD_USER_INPUT naming each bad argument."""
    fields: dict[str, str] = {}
    if args.first is not None and args.last is not None:
        fields["last"] = "Give `first` or `last`, not both."
    for name, value in (("first", args.first), ("last", args.last)):
        if value is not None and not 0 <= value <= MAX_PAGE_SIZE:
            fields[name] = f"Must be between 0 and {MAX_PAGE_SIZE}."
    keys: dict[str, CursorKey | None] = {}
    for name, cursor in (("after", args.after), ("before", args.before)):
        keys[name] = None
        if cursor is not None:
            keys[name] = decode_cursor(cursor)
            if keys[name] is None:
                fields[name] = "Malformed cursor."
    if fields:
        raise bad_input(fields, "Invalid pagination arguments.")
    backward = args.last is not None
    limit = args.last if backward else args.first
    return (DEFAULT_PAGE_SIZE if limit is None else limit), backward, keys["after"], keys["before"]


def _older_than(model: Any, key: CursorKey, inclusive: bool = False) -> ColumnElement[bool]:
    # Written as a bounded range on created_at so the (owner, created_at, id) index serves it.
    tie = model.id <= key.id if inclusive else model.id < key.id
    return and_(model.created_at <= key.created_at, or_(model.created_at < key.created_at, tie))


def _newer_than(model: Any, key: CursorKey, inclusive: bool = False) -> ColumnElement[bool]:
    tie = model.id >= key.id if inclusive else model.id > key.id
    return and_(model.created_at >= key.created_at, or_(model.created_at > key.created_at, tie))


async def paginate(
    sessions: ReadSessions,
    entity: Entity[M],
    where: Sequence[ColumnElement[bool]],
    args: PageArgs,
    extras: Mapping[str, ColumnElement[Any]] | None = None,
) -> Page[M]:
    """One page of `entity` rows matching `where`, newest first, per the Relay spec.

    `extras` are scalar expressions that do not depend on the row (an uncorrelated EXISTS,
    say): they ride along in the page's statement and come back by name in `Page.extras`.
    """
    limit, backward, after, before = _validate(args)
    model: Any = entity.model
    bounds = list(where)
    if after is not None:
        bounds.append(_older_than(model, after))
    if before is not None:
        bounds.append(_newer_than(model, before))

    order = (
        (model.created_at.asc(), model.id.asc())
        if backward
        else (model.created_at.desc(), model.id.desc())
    )
    named = dict(extras or {})
    # Relay: the side we did not page toward is known only through its cursor. Asked in the
    # page's own statement (an uncorrelated EXISTS, evaluated once), not in a second one.
    outer = before if backward else after
    probe = None
    if outer is not None:
        edge = (
            _older_than(model, outer, inclusive=True)
            if backward
            else _newer_than(model, outer, inclusive=True)
        )
        probe = exists(select(model.id).where(*where, edge))
        named[_BEYOND] = probe
    selected = [*entity.columns, *(expr.label(name) for name, expr in named.items())]
    stmt = select(*selected).where(*bounds).order_by(*order).limit(limit + 1)

    async with sessions() as session:
        found = (await session.execute(stmt)).all()
        width = len(entity.columns)
        values: dict[str, Any] = dict(zip(named, found[0][width:], strict=True)) if found else {}
        if probe is not None and not found:
            # An empty page carries no answer: ask alone.
            values[_BEYOND] = await session.scalar(select(probe))
    beyond = bool(values.pop(_BEYOND, False))
    rows = entity.rows(found)
    more = len(rows) > limit
    rows = rows[:limit]
    if backward:
        rows.reverse()

    async def count() -> int:
        async with sessions() as session:
            total = await session.scalar(select(func.count()).select_from(model).where(*where))
        return int(total or 0)

    return Page(
        rows=rows,
        has_next_page=beyond if backward else more,
        has_previous_page=more if backward else beyond,
        count=count,
        extras={name: values[name] for name in (extras or {}) if name in values},
    )
