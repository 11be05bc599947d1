"""Reading and writing any entity's objects, as its declaration (resolvers/entities.py) says.

Another user's object and a missing one look the same: None on reads, NOT_FOUND on writes.
Reads of a caller's own objects carry the token check in their statement
(`TOKEN_CURRENT`); writes lock what they change before they take the time, so a
later write never carries an older `updatedAt`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar, cast

from sqlalchemy import (
    BindParameter,
    ColumnElement,
    CursorResult,
    bindparam,
    func,
    insert,
    select,
)
from sqlalchemy import delete as sql_delete
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import SQLModel

from models.types import utcnow
from resolvers.context import TOKEN_CURRENT, Context
from resolvers.entity import Entity, Ownership, key_of
from resolvers.errors import bad_input, not_found, unauthenticated
from resolvers.loaders import MISSING, Prefetch
from resolvers.pagination import Page, PageArgs, PageQuery, paginate
from resolvers.parts import Part
from resolvers.validation import (
    NOT_NULL,
    REQUIRED,
    FieldErrors,
    values_for_create,
    values_for_update,
)
from resolvers.writes import write

M = TypeVar("M", bound=SQLModel)
_CURRENT = "token_current"


def _owner_scope(
    entity: Entity[Any], user_id: int | BindParameter[int] | None
) -> list[ColumnElement[bool]]:
    """The rows `user_id` (a value, or a bind parameter of a statement built once) owns."""
    if entity.ownership is Ownership.USER:
        return [entity.column("user_id") == user_id]
    return []


# ---- reads ---------------------------------------------------------------------------------
# Their statements are built once per entity, with bind parameters (`pk`, `owner_id` and
# TOKEN_CURRENT's): building one per request cost more CPU than running it.


@dataclass(frozen=True, slots=True)
class _Reads(Generic[M]):
    by_id: Any
    pages: PageQuery[M]


_OWNER: BindParameter[int] = bindparam("owner_id")
_READS: dict[Entity[Any], _Reads[Any]] = {}


def _reads(entity: Entity[M]) -> _Reads[M]:
    found = _READS.get(entity)
    if found is None:
        pk = entity.column("id") == bindparam("pk")
        if entity.ownership is Ownership.PUBLIC:
            found = _Reads(select(*entity.columns).where(pk), PageQuery(entity))
        else:
            scope = _owner_scope(entity, _OWNER)
            by_id = select(*entity.columns, TOKEN_CURRENT.label(_CURRENT)).where(pk, *scope)
            found = _Reads(by_id, PageQuery(entity, scope, {_CURRENT: TOKEN_CURRENT}))
        _READS[entity] = found
    return found


async def get(ctx: Context, entity: Entity[M], global_id: str) -> M | None:
    pk = entity.pk_of(global_id)
    if entity.ownership is Ownership.PUBLIC:
        if pk is None:
            return None
        async with ctx.reads() as connection:
            found = (await connection.execute(_reads(entity).by_id, {"pk": pk})).all()
        return entity.rows(found)[0] if found else None
    params = ctx.current_params()
    if pk is None:
        return None
    params["pk"], params["owner_id"] = pk, params["current_user_id"]
    async with ctx.reads() as connection:
        found = (await connection.execute(_reads(entity).by_id, params)).all()
    if not found:
        return None
    ctx.prove_current(found[0][-1])
    return entity.rows(found)[0]


async def page(ctx: Context, entity: Entity[M], args: PageArgs) -> Page[M]:
    pages = _reads(entity).pages
    if entity.ownership is Ownership.PUBLIC:
        return await paginate(ctx.reads, pages, args)
    params = ctx.current_params()
    params["owner_id"] = params["current_user_id"]
    found = await paginate(ctx.reads, pages, args, params)
    ctx.prove_current(found.extras.get(_CURRENT))
    return found


def part_of(ctx: Context, part: Any, owner: Any) -> Any:
    """What `part` holds for `owner`: the value itself when the request already has it (the
    page prefetched it), else an awaitable of it, batched. A resolver returning this awaits
    nothing, so a field whose value is there costs the executor no task."""
    key = key_of(owner)
    value = ctx.loaders.ready(part, key)
    return ctx.loaders.load(part, key) if value is MISSING else value


async def prefetch(ctx: Context, reads: Sequence[Prefetch], rows: Sequence[Any]) -> None:
    """Reads each part for every row of a page now, one statement each, then what the
    part's own objects read (schema.lookahead says what the document's nodes will ask for)."""
    if not rows:
        return
    keys = [key_of(row) for row in rows]
    for read in reads:
        found = await ctx.loaders.prefetch(read.part, keys)
        if read.then:
            # Only a link has objects of its own to read parts of: lists of rows.
            await prefetch(ctx, read.then, [target for targets in found for target in targets])


# ---- writes --------------------------------------------------------------------------------


def parse_parts(
    entity: Entity[Any], given: Mapping[str, Any], errors: FieldErrors, creating: bool
) -> dict[Part, Any]:
    """Each part's parsed input (what its `write` takes); on a create, absent or null means
    the part's default."""
    parsed: dict[Part, Any] = {}
    for part in entity.parts:
        if part.field not in given and not creating:
            continue
        value = given.get(part.field)
        if value is None:
            if creating and part.default is not REQUIRED:
                value = part.default
            else:
                errors.add(part.field, NOT_NULL)
                continue
        parsed[part] = part.parse(errors, value)
    return parsed


_OWNER_CHECKS: dict[Entity[Any], Any] = {}
_INSERTS: dict[Entity[Any], Any] = {}


def _inserts(entity: Entity[Any]) -> Any:
    found = _INSERTS.get(entity)
    if found is None:
        found = _INSERTS[entity] = insert(entity.table)
    return found


def _owner_check(entity: Entity[Any]) -> Any:
    """How many objects the owner stores, and TOKEN_CURRENT: built once per entity (building
    it per create cost a third of the statement's CPU)."""
    found = _OWNER_CHECKS.get(entity)
    if found is None:
        count = select(func.count()).select_from(entity.model).where(*_owner_scope(entity, _OWNER))
        found = _OWNER_CHECKS[entity] = select(count.scalar_subquery(), TOKEN_CURRENT)
    return found


async def _check_owner(
    session: AsyncSession, entity: Entity[Any], user_id: int, version: int, quota: int | None
) -> None:
    """The token is still current and the account has room for one more, in one statement.

    It locks nothing: on SQLite the write lock from BEGIN IMMEDIATE makes the count exact;
    on MariaDB creates of one account running at the same moment may each see room, so the
    quota can be passed by at most the creates in flight when it was reached. Locking the
    user's row would make that exact on one server but, on a Galera cluster, every insert
    replicated from another node (its foreign key takes a shared lock on that row) would
    abort the lock's holder: a burst of one user's creates over two nodes failed.
    """
    params = {"current_user_id": user_id, "current_version": version, "owner_id": user_id}
    stored, is_current = (await session.execute(_owner_check(entity), params)).one()
    if not is_current:
        raise unauthenticated()
    if quota is not None and int(stored or 0) >= quota:
        raise bad_input(
            {},
            f"An account can store at most {quota} {entity.display_name} objects; "
            "delete some before adding more.",
        )


async def create(ctx: Context, entity: Entity[M], given: Mapping[str, Any]) -> M:
    if entity.ownership is Ownership.USER:
        claims = ctx.require_claims()
        user_id, version = claims.user_id, claims.version
    else:
        caller = await ctx.require_caller()
        assert caller.id is not None
        user_id, version = caller.id, caller.token_version
    quota = int(getattr(ctx.settings, entity.quota_setting)) if entity.quota_setting else None
    errors = FieldErrors()
    columns = values_for_create(entity.rules, given, errors)
    parsed = parse_parts(entity, given, errors, creating=True)
    errors.raise_if_any()

    async def insert(session: AsyncSession) -> tuple[M, int, dict[Part, Any]]:
        await _check_owner(session, entity, user_id, version, quota)
        now = utcnow()  # one clock read: a new object's updatedAt is its createdAt
        values = {"user_id": user_id, "created_at": now, "updated_at": now, **columns}
        # Core, not the ORM's unit of work (a model, its state, a flush): what is stored is
        # exactly `values`, and the answer is the row a read would give.
        result = cast(CursorResult[Any], await session.execute(_inserts(entity), values))
        inserted = result.inserted_primary_key
        assert inserted is not None, "an INSERT of one row has its key"
        pk = int(inserted[0])
        obj = cast(M, entity.row(id=pk, **values))
        written = {
            part: await part.write(session, pk, user_id, value, False)
            for part, value in parsed.items()
        }
        return obj, pk, written

    obj, pk, written = await write(ctx, insert)
    ctx.prove_current(True)
    for part, value in written.items():
        ctx.loaders.answer(part, pk, value)
    return obj


async def update(ctx: Context, entity: Entity[M], global_id: str, changes: Mapping[str, Any]) -> M:
    caller = await ctx.require_caller()
    errors = FieldErrors()
    columns = values_for_update(entity.rules, changes, errors)
    parsed = parse_parts(entity, changes, errors, creating=False)
    errors.raise_if_any()
    pk = entity.pk_of(global_id)
    if pk is None:
        raise not_found(entity.display_name)
    assert caller.id is not None

    async def change(session: AsyncSession) -> tuple[M, dict[Part, Any]]:
        stmt = (
            select(entity.model)
            .where(entity.column("id") == pk, *_owner_scope(entity, caller.id))
            .with_for_update()
        )
        obj = (await session.execute(stmt)).scalar_one_or_none()
        if obj is None:
            raise not_found(entity.display_name)
        # The time is taken once the row is locked: a write that waited for ours carries a
        # later one.
        for name, value in {**columns, "updated_at": utcnow()}.items():
            setattr(obj, name, value)
        written = {
            part: await part.write(session, pk, caller.id or 0, value, True)
            for part, value in parsed.items()
        }
        return obj, written

    obj, written = await write(ctx, change)
    for part, value in written.items():
        ctx.loaders.answer(part, pk, value)
    return obj


async def delete(ctx: Context, entity: Entity[Any], global_id: str) -> str:
    caller = await ctx.require_caller()
    pk = entity.pk_of(global_id)
    if pk is None:
        raise not_found(entity.display_name)

    async def remove(session: AsyncSession) -> int:
        result = await session.execute(
            sql_delete(entity.model).where(
                entity.column("id") == pk, *_owner_scope(entity, caller.id)
            )
        )
        return int(cast(CursorResult[Any], result).rowcount)

    if await write(ctx, remove) != 1:
        raise not_found(entity.display_name)
    return entity.global_id(pk)
