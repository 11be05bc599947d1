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

from sqlalchemy import (
    BindParameter,
    ColumnElement,
    Integer,
    and_,
    bindparam,
    exists,
    func,
    or_,
    select,
)
from sqlmodel import SQLModel

from db.functions import contains_folded_param, escape_like
from db.reads import ReadConnections
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
    sort: Any, ident: Any, key: str, descending: bool, inclusive: bool = False
) -> ColumnElement[bool]:
    """Rows that come after the cursor bound as `key` in the order (at or after it when
    `inclusive`); its values are the parameters `<key>_value` and `<key>_id`.

    Written as a bounded range on the sort column, so the (owner, column, id) index serves it.
    """
    value = bindparam(f"{key}_value", type_=sort.type)
    pk = bindparam(f"{key}_id", type_=ident.type)
    if descending:
        tie = ident <= pk if inclusive else ident < pk
        return and_(sort <= value, or_(sort < value, tie))
    tie = ident >= pk if inclusive else ident > pk
    return and_(sort >= value, or_(sort > value, tie))


_SEARCH: BindParameter[str] = bindparam("search")
_LIMIT: BindParameter[int] = bindparam("page_limit", type_=Integer)


def search_filter(entity: Entity[Any]) -> list[ColumnElement[bool]]:
    """Case-insensitive contains on any of the entity's search columns, the text bound as
    `search` (through `escape_like`: `%`, `_` and `\\` match themselves)."""
    return [or_(*(contains_folded_param(entity.column(name), _SEARCH) for name in entity.search))]


@dataclass(frozen=True, slots=True)
class _Statements:
    page: Any
    # Whether anything lies beyond the outer cursor, asked alone (an empty page carries no
    # answer); None when the shape has no outer cursor.
    probe: Any
    count: Any


class PageQuery(Generic[M]):
    """The statements of `entity`'s pages within one scope, each shape built once.

    `where` and `extras` are built once too, with bind parameters for what varies per
    request (given to `paginate` as `params`). Building a statement per request, and
    SQLAlchemy computing a cache key for each new one, cost more CPU than running it. Shapes
    are few (order column, direction, which cursors, search or not), so the memo is bounded.

    `extras` are scalar expressions that do not depend on the row (an uncorrelated EXISTS,
    say): they ride along in the page's statement and come back by name in `Page.extras`.
    """

    def __init__(
        self,
        entity: Entity[M],
        where: Sequence[ColumnElement[bool]] = (),
        extras: Mapping[str, ColumnElement[Any]] | None = None,
    ) -> None:
        self.entity = entity
        self.where = tuple(where)
        self.extras = dict(extras or {})
        self._built: dict[tuple[Any, ...], _Statements] = {}

    def statements(self, plan: _Plan, searching: bool) -> _Statements:
        shape = (
            plan.column,
            plan.descending,
            plan.backward,
            plan.after is not None,
            plan.before is not None,
            searching,
        )
        built = self._built.get(shape)
        if built is None:
            built = self._built[shape] = self._build(plan, searching)
        return built

    def _build(self, plan: _Plan, searching: bool) -> _Statements:
        entity = self.entity
        sort, ident = entity.column(plan.column), entity.column("id")
        matching = [*self.where, *(search_filter(entity) if searching else [])]
        bounds = list(matching)
        if plan.after is not None:
            bounds.append(_following(sort, ident, "after", plan.descending))
        if plan.before is not None:
            bounds.append(_following(sort, ident, "before", not plan.descending))

        # Backward pages are read in the opposite order, then turned around.
        reading_descending = plan.descending != plan.backward
        order = (sort.desc(), ident.desc()) if reading_descending else (sort.asc(), ident.asc())
        named = dict(self.extras)
        # Relay: the side we did not page toward is known only through its cursor. Asked in
        # the page's own statement (an uncorrelated EXISTS, evaluated once), not in a second.
        outer = "before" if plan.backward else "after"
        has_outer = (plan.before if plan.backward else plan.after) is not None
        probe = None
        if has_outer:
            # Forward: anything at or before `after`; backward: anything at or after `before`.
            outward = plan.descending if plan.backward else not plan.descending
            edge = _following(sort, ident, outer, outward, inclusive=True)
            probe = exists(select(ident).where(*matching, edge))
            named[_BEYOND] = probe
        selected = [*entity.columns, *(expr.label(name) for name, expr in named.items())]
        page = select(*selected).where(*bounds).order_by(*order).limit(_LIMIT)
        count = select(func.count()).select_from(entity.table).where(*matching)
        return _Statements(page=page, probe=None if probe is None else select(probe), count=count)


async def paginate(
    reads: ReadConnections,
    query: PageQuery[M],
    args: PageArgs,
    params: Mapping[str, Any] | None = None,
) -> Page[M]:
    """One page of `query.entity` rows in its scope and the search, per the Relay spec.

    `params` are the values of the scope's bind parameters.
    """
    entity = query.entity
    plan = _plan(entity, args)
    searching = bool(args.search)
    built = query.statements(plan, searching)
    values_in: dict[str, Any] = {**(params or {}), "page_limit": plan.limit + 1}
    if searching:
        assert args.search is not None
        values_in["search"] = escape_like(args.search)
    for name, key in (("after", plan.after), ("before", plan.before)):
        if key is not None:
            values_in[f"{name}_value"] = key.value
            values_in[f"{name}_id"] = key.id

    async with reads() as connection:
        found = (await connection.execute(built.page, values_in)).all()
        width = len(entity.columns)
        names = [*query.extras, *([_BEYOND] if built.probe is not None else [])]
        values: dict[str, Any] = dict(zip(names, found[0][width:], strict=True)) if found else {}
        if built.probe is not None and not found:
            # An empty page carries no answer: ask alone.
            values[_BEYOND] = await connection.scalar(built.probe, values_in)
    beyond = bool(values.pop(_BEYOND, False))
    rows = entity.rows(found)
    more = len(rows) > plan.limit
    rows = rows[: plan.limit]
    if plan.backward:
        rows.reverse()

    count_params = {k: v for k, v in values_in.items() if k != "page_limit"}

    async def count() -> int:
        async with reads() as connection:
            total = await connection.scalar(built.count, count_params)
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
        extras={name: values[name] for name in query.extras if name in values},
    )
