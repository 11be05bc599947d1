"""Keyset pagination in any declared order, with opaque cursors (resolvers/cursors.py).

A page is found with an index range on (order column, id), never OFFSET, so row one
million costs what row one does; the cursor holds both keys, so it stays valid when rows
are inserted before it and does not assume ids grow with time. The default order is
created, newest first.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Generic, TypeVar

from sqlalchemy import ColumnElement, and_, exists, func, or_, select
from sqlmodel import SQLModel

from db.functions import contains_folded
from db.reads import ReadSessions
from models.types import UTCDateTime
from resolvers.cursors import DEFAULT_FIELD, CursorKey, decode_cursor, encode_cursor, search_tag
from resolvers.entity import Entity
from resolvers.errors import bad_input

DEFAULT_PAGE_SIZE = 20
MAX_PAGE_SIZE = 100
MAX_SEARCH_LENGTH = 100
OTHER_ORDER = "This cursor belongs to another order or search."

R = TypeVar("R")
M = TypeVar("M", bound=SQLModel)
_BEYOND = "_beyond"


@dataclass(frozen=True, slots=True)
class Order:
    field: str = DEFAULT_FIELD
    descending: bool = True


@dataclass(frozen=True, slots=True)
class PageArgs:
    first: int | None = None
    after: str | None = None
    last: int | None = None
    before: str | None = None
    search: str | None = None
    order: Order = Order()


@dataclass(slots=True)
class Page(Generic[R]):
    rows: Sequence[R]
    has_next_page: bool
    has_previous_page: bool
    count: Callable[[], Awaitable[int]]
    cursor_of: Callable[[Any], str]
    # The values of the page's named extra columns (uncorrelated: one value for the whole
    # page); absent when the page is empty and so carried no answer.
    extras: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class _Plan:
    limit: int
    backward: bool
    column: str
    descending: bool
    tag: str
    after: CursorKey | None
    before: CursorKey | None


def _plan(entity: Entity[Any], args: PageArgs) -> _Plan:
    """What to read, or BAD_USER_INPUT naming each bad argument (Python names)."""
    fields: dict[str, str] = {}
    if args.first is not None and args.last is not None:
        fields["last"] = "Give `first` or `last`, not both."
    for name, value in (("first", args.first), ("last", args.last)):
        if value is not None and not 0 <= value <= MAX_PAGE_SIZE:
            fields[name] = f"Must be between 0 and {MAX_PAGE_SIZE}."
    column = entity.orders.get(args.order.field)
    if column is None:
        fields["order_by"] = f"{entity.type_name} cannot be ordered by {args.order.field}."
    if args.search is not None and len(args.search) > MAX_SEARCH_LENGTH:
        fields["search"] = f"At most {MAX_SEARCH_LENGTH} characters."
    tag = search_tag(args.search)
    keys: dict[str, CursorKey | None] = {}
    for name, cursor in (("after", args.after), ("before", args.before)):
        key = decode_cursor(cursor) if cursor is not None else None
        keys[name] = key
        if cursor is None:
            continue
        if key is not None and (key.field, key.descending, key.search_tag) != (
            args.order.field,
            args.order.descending,
            tag,
        ):
            fields[name] = OTHER_ORDER
        elif key is None or column is None or not _fits(entity, column, key):
            fields[name] = "Malformed cursor."
    if fields:
        raise bad_input(fields, "Invalid pagination arguments.")
    assert column is not None
    backward = args.last is not None
    limit = args.last if backward else args.first
    return _Plan(
        limit=DEFAULT_PAGE_SIZE if limit is None else limit,
        backward=backward,
        column=column,
        descending=args.order.descending,
        tag=tag,
        after=keys["after"],
        before=keys["before"],
    )


def _fits(entity: Entity[Any], column: str, key: CursorKey) -> bool:
    """The cursor's value has the type of the ordered column."""
    is_time = isinstance(entity.column(column).type, UTCDateTime)
    return isinstance(key.value, datetime if is_time else str)


def _following(
    sort: Any, ident: Any, key: CursorKey, descending: bool, inclusive: bool = False
) -> ColumnElement[bool]:
    """Rows that come after `key` in the order (at or after it when `inclusive`).

    Written as a bounded range on the sort column, so the (owner, column, id) index serves it.
    """
    if descending:
        tie = ident <= key.id if inclusive else ident < key.id
        return and_(sort <= key.value, or_(sort < key.value, tie))
    tie = ident >= key.id if inclusive else ident > key.id
    return and_(sort >= key.value, or_(sort > key.value, tie))


def search_filter(entity: Entity[Any], search: str | None) -> list[ColumnElement[bool]]:
    """Case-insensitive contains on any of the entity's search columns; `%`, `_` and `\\`
    match themselves."""
    if not search:
        return []
    return [or_(*(contains_folded(entity.column(name), search) for name in entity.search))]


async def paginate(
    sessions: ReadSessions,
    entity: Entity[M],
    where: Sequence[ColumnElement[bool]],
    args: PageArgs,
    extras: Mapping[str, ColumnElement[Any]] | None = None,
) -> Page[M]:
    """One page of `entity` rows matching `where` and the search, per the Relay spec.

    `extras` are scalar expressions that do not depend on the row (an uncorrelated EXISTS,
    say): they ride along in the page's statement and come back by name in `Page.extras`.
    """
    plan = _plan(entity, args)
    sort, ident = entity.column(plan.column), entity.column("id")
    matching = [*where, *search_filter(entity, args.search)]
    bounds = list(matching)
    if plan.after is not None:
        bounds.append(_following(sort, ident, plan.after, plan.descending))
    if plan.before is not None:
        bounds.append(_following(sort, ident, plan.before, not plan.descending))

    # Backward pages are read in the opposite order, then turned around.
    reading_descending = plan.descending != plan.backward
    order = (sort.desc(), ident.desc()) if reading_descending else (sort.asc(), ident.asc())
    named = dict(extras or {})
    # Relay: the side we did not page toward is known only through its cursor. Asked in the
    # page's own statement (an uncorrelated EXISTS, evaluated once), not in a second one.
    outer = plan.before if plan.backward else plan.after
    probe = None
    if outer is not None:
        # Forward: anything at or before `after`; backward: anything at or after `before`.
        outward = plan.descending if plan.backward else not plan.descending
        edge = _following(sort, ident, outer, outward, inclusive=True)
        probe = exists(select(ident).where(*matching, edge))
        named[_BEYOND] = probe
    selected = [*entity.columns, *(expr.label(name) for name, expr in named.items())]
    stmt = select(*selected).where(*bounds).order_by(*order).limit(plan.limit + 1)

    async with sessions() as session:
        found = (await session.execute(stmt)).all()
        width = len(entity.columns)
        values: dict[str, Any] = dict(zip(named, found[0][width:], strict=True)) if found else {}
        if probe is not None and not found:
            # An empty page carries no answer: ask alone.
            values[_BEYOND] = await session.scalar(select(probe))
    beyond = bool(values.pop(_BEYOND, False))
    rows = entity.rows(found)
    more = len(rows) > plan.limit
    rows = rows[: plan.limit]
    if plan.backward:
        rows.reverse()

    async def count() -> int:
        async with sessions() as session:
            total = await session.scalar(
                select(func.count()).select_from(entity.model).where(*matching)
            )
        return int(total or 0)

    field_name, descending, tag, column = args.order.field, plan.descending, plan.tag, plan.column

    def cursor_of(row: Any) -> str:
        return encode_cursor(field_name, descending, tag, getattr(row, column), row.id)

    return Page(
        rows=rows,
        has_next_page=beyond if plan.backward else more,
        has_previous_page=more if plan.backward else beyond,
        count=count,
        cursor_of=cursor_of,
        extras={name: values[name] for name in (extras or {}) if name in values},
    )
