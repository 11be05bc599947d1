"""The floor: each benchmarked operation as a plain Starlette route (not part of the product).

Same database, driver and pools (reads on the read engine, writes in transactions), same
statements (hand-written SQL, only the needed columns), same token check, same JSON bytes,
encoded with the same orjson; no GraphQL, no ORM objects. The distance between an operation
and its floor is what the framework costs.

    gunicorn -k uvicorn.workers.UvicornWorker bench.floor:app     (env as for main:app)
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

import orjson
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from auth import tokens
from auth.passwords import verify_password
from db.engine import SQLITE_IMMEDIATE, create_engine, create_read_engine
from db.functions import SQLITE_LOWER
from db.transaction import writer_queue
from resolvers.cursors import decode_cursor, search_tag
from resolvers.cursors import encode_cursor as _encode
from resolvers.dialogue import Book, Material, render_dialogue, summarize
from resolvers.entities import PUBLIC_SCRIPT, REF_BOOK, REF_DATA, SYSTEM_INFO, USER
from settings import Settings, load_settings


def encode_cursor(created_at: datetime, pk: int) -> str:
    """The product's cursor for its default order (created, newest first)."""
    return _encode("CREATED", True, "", created_at, pk)


Handler = Callable[["Floor", dict[str, Any], str | None], Awaitable[dict[str, Any]]]


class Floor:
    def __init__(self, settings: Settings, engine: AsyncEngine) -> None:
        self.settings = settings
        self.engine = engine
        # Reads go where the product's go (db/engine.py: on MySQL an autocommit pool).
        self.reads = create_read_engine(settings, engine)
        self.key = settings.signing_key()
        self.mysql = engine.dialect.name in ("mysql", "mariadb")

    def sql(self, statement: str) -> str:
        # Written for SQLite; MySQL wants %s placeholders and backquoted names, and only it
        # has FOR UPDATE (a SQLite write holds the database's lock from BEGIN IMMEDIATE).
        if self.mysql:
            return statement.replace("?", "%s").replace('"', "`")
        return statement.replace(" FOR UPDATE", "")

    @asynccontextmanager
    async def write(self) -> AsyncIterator[AsyncConnection]:
        """A write transaction as the product makes one (db/transaction.py)."""
        async with writer_queue(self.engine), self.engine.connect() as conn:
            await conn.execution_options(**{SQLITE_IMMEDIATE: True})
            async with conn.begin():
                yield conn

    def contains(self, columns: Sequence[str], text: str) -> tuple[str, list[str]]:
        """Any of `columns` contains `text` ignoring case, `%`, `_` and `/` literal: the
        product's `contains_folded` (db/functions.py), spelled per database."""
        escaped = text.lower().replace("/", "//").replace("%", "/%").replace("_", "/_")
        if self.mysql:
            each = "((LOWER({}) COLLATE utf8mb4_bin) LIKE concat('%%', ?, '%%') ESCAPE '/')"
        else:
            each = f"({SQLITE_LOWER}({{}}) LIKE '%' || ? || '%' ESCAPE '/')"
        clause = " OR ".join(each.format(column) for column in columns)
        return f"({clause})", [escaped] * len(columns)

    def bind(self, moment: datetime) -> Any:
        naive = moment.astimezone(UTC).replace(tzinfo=None)
        return naive if self.mysql else naive.strftime("%Y-%m-%d %H:%M:%S.%f")

    async def rows(self, conn: AsyncConnection, statement: str, *params: Any) -> Sequence[Any]:
        return (await conn.exec_driver_sql(self.sql(statement), tuple(params))).all()

    def claims(self, token: str | None) -> tokens.Claims | None:
        try:
            return None if token is None else tokens.decode(self.key, token, "access")
        except tokens.InvalidToken:
            return None

    async def user(self, conn: AsyncConnection, claims: tokens.Claims) -> tuple[int, str] | None:
        found = await self.rows(
            conn, 'SELECT id, username, token_version FROM "user" WHERE id = ?', claims.user_id
        )
        if not found or found[0][2] != claims.version:
            return None
        return found[0][0], found[0][1]

    async def caller(self, conn: AsyncConnection, token: str | None) -> tuple[int, str] | None:
        claims = self.claims(token)
        return None if claims is None else await self.user(conn, claims)

    async def page(
        self, conn: AsyncConnection, claims: tokens.Claims, columns: str, rest: str, *params: Any
    ) -> Sequence[Any] | None:
        """Rows (a page, or one object) whose statement also tells whether the token is
        current, as the product's does (the flag follows `columns`); None when it is not."""
        found = await self.rows(
            conn,
            f'SELECT {columns}, EXISTS (SELECT id FROM "user" WHERE id = ? '
            f"AND token_version = ?) AS current {rest}",
            claims.user_id,
            claims.version,
            *params,
        )
        if not found:
            return None if await self.user(conn, claims) is None else found
        # The flag follows the named columns (a probe may come after it).
        return found if found[0][len(columns.split(","))] else None


def _dt(value: Any) -> datetime:
    moment = datetime.fromisoformat(value) if isinstance(value, str) else value
    return moment.replace(tzinfo=UTC)


def _unauthenticated() -> dict[str, Any]:
    return {"data": None, "errors": [{"message": "Sign in required."}]}


# The refBooks orders the benchmark reads in: the order field -> its column.
_BOOK_ORDERS = {"CREATED": "created_at", "TITLE": "title"}
_BOOK_COLUMNS = ("id", "author", "title", "created_at", "updated_at")


def _range(column: str, descending: bool, inclusive: bool = False) -> str:
    """Rows after a cursor's (value, id) in the order, as the product writes the range."""
    if descending:
        return f"{column} <= ? AND ({column} < ? OR id {'<=' if inclusive else '<'} ?)"
    return f"{column} >= ? AND ({column} > ? OR id {'>=' if inclusive else '>'} ?)"


async def ref_books(floor: Floor, variables: dict[str, Any], token: str | None) -> dict[str, Any]:
    first = int(variables["first"])
    after = decode_cursor(variables["after"]) if variables.get("after") else None
    order = variables.get("orderBy") or {"field": "CREATED", "direction": "DESC"}
    field, descending = order["field"], order["direction"] == "DESC"
    column = _BOOK_ORDERS[field]
    search = variables.get("search") or None
    claims = floor.claims(token)
    if claims is None:
        return _unauthenticated()
    async with floor.reads.connect() as conn:
        where, params = "user_id = ?", list[Any]([claims.user_id])
        if search:
            match, match_params = floor.contains(("title", "author"), search)
            where += f" AND {match}"
            params += match_params
        matching, matching_params = where, list(params)
        # With a cursor, the page's statement also says whether a row before it exists.
        probe, probe_params = "", list[Any]()
        if after is not None:
            value = after.value
            at = floor.bind(value) if isinstance(value, datetime) else value
            where += f" AND {_range(column, descending)}"
            params += [at, at, after.id]
            probe = (
                f", EXISTS (SELECT id FROM ref_book WHERE {matching} AND "
                f"{_range(column, not descending, inclusive=True)}) AS beyond"
            )
            probe_params = [*matching_params, at, at, after.id]
        direction = "DESC" if descending else "ASC"
        found = await floor.page(
            conn,
            claims,
            ", ".join(_BOOK_COLUMNS),
            f"{probe} FROM ref_book WHERE {where} "
            f"ORDER BY {column} {direction}, id {direction} LIMIT ?",
            *probe_params,
            *params,
            first + 1,
        )
    if found is None:
        return _unauthenticated()
    previous = bool(found[0][6]) if after is not None and found else False
    page = found[:first]
    tag = search_tag(search)
    sort_at = _BOOK_COLUMNS.index(column)

    def cursor(row: Sequence[Any]) -> str:
        value = _dt(row[sort_at]) if column == "created_at" else row[sort_at]
        return _encode(field, descending, tag, value, row[0])

    def node(row: Sequence[Any]) -> dict[str, Any]:
        pk, author, title, created, updated = row[:5]
        return {
            "id": REF_BOOK.global_id(pk),
            "author": author,
            "title": title,
            "createdAt": _dt(created).isoformat(),
            "updatedAt": _dt(updated).isoformat(),
        }

    edges = [{"cursor": cursor(row), "node": node(row)} for row in page]
    return {
        "data": {
            "refBooks": {
                "edges": edges,
                "pageInfo": {
                    "hasNextPage": len(found) > first,
                    "hasPreviousPage": previous,
                    "endCursor": edges[-1]["cursor"] if edges else None,
                },
            }
        }
    }


async def _links(
    floor: Floor, conn: AsyncConnection, table: str, columns: str, info_ids: list[int]
) -> dict[int, list[Any]]:
    marks = ", ".join("?" for _ in info_ids)
    found = await floor.rows(
        conn,
        f"SELECT l.system_info_id, {columns} FROM system_info_{table} l "
        f"JOIN {table} t ON t.id = l.{table}_id WHERE l.system_info_id IN ({marks}) "
        "ORDER BY l.system_info_id, l.position",
        *info_ids,
    )
    grouped: dict[int, list[Any]] = {pk: [] for pk in info_ids}
    for row in found:
        grouped[row[0]].append(row[1:])
    return grouped


async def system_infos(
    floor: Floor, variables: dict[str, Any], token: str | None
) -> dict[str, Any]:
    first = int(variables["first"])
    claims = floor.claims(token)
    if claims is None:
        return _unauthenticated()
    async with floor.reads.connect() as conn:
        found = await floor.page(
            conn,
            claims,
            "id, description, language, major, understanding_level, "
            "only_use_reference_data, data_sequence, created_at",
            "FROM system_info WHERE user_id = ? ORDER BY created_at DESC, id DESC LIMIT ?",
            claims.user_id,
            first + 1,
        )
        if found is None:
            return _unauthenticated()
        page = found[:first]
        ids = [row[0] for row in page]
        books = await _links(floor, conn, "ref_book", "t.id, t.title", ids) if ids else {}
        datas = await _links(floor, conn, "ref_data", "t.id, t.title", ids) if ids else {}
    edges = [
        {
            "cursor": encode_cursor(_dt(created), pk),
            "node": {
                "id": SYSTEM_INFO.global_id(pk),
                "description": description,
                "language": language,
                "major": major,
                "understandingLevel": level,
                "onlyUseReferenceData": bool(only),
                "dataSequence": bool(sequence),
                "createdAt": _dt(created).isoformat(),
                "refBooks": [{"id": REF_BOOK.global_id(b), "title": t} for b, t in books[pk]],
                "refDatas": [{"id": REF_DATA.global_id(d), "title": t} for d, t in datas[pk]],
            },
        }
        for pk, description, language, major, level, only, sequence, created, _ in page
    ]
    return {
        "data": {
            "systemInfos": {
                "edges": edges,
                "pageInfo": {
                    "hasNextPage": len(found) > first,
                    "endCursor": edges[-1]["cursor"] if edges else None,
                },
            }
        }
    }


async def dialogue(floor: Floor, variables: dict[str, Any], token: str | None) -> dict[str, Any]:
    pk = SYSTEM_INFO.pk_of(variables["id"])
    claims = floor.claims(token)
    if claims is None:
        return _unauthenticated()
    async with floor.reads.connect() as conn:
        # The token check rides along in the object's statement, as the product's does.
        found = await floor.page(
            conn,
            claims,
            "id, major, understanding_level, language, only_use_reference_data, data_sequence",
            "FROM system_info WHERE id = ? AND user_id = ?",
            pk,
            claims.user_id,
        )
        if found is None:
            return _unauthenticated()
        if not found:
            return {"data": {"systemInfo": None}}
        info_id, major, level, language, only, sequence, _ = found[0]
        books = (await _links(floor, conn, "ref_book", "t.author, t.title", [info_id]))[info_id]
        datas = (await _links(floor, conn, "ref_data", "t.id, t.title", [info_id]))[info_id]
        contents: dict[int, str] = {}
        if datas:
            marks = ", ".join("?" for _ in datas)
            contents = dict(
                await floor.rows(
                    conn,
                    "SELECT ref_data_id, text FROM ref_data_content "
                    f"WHERE ref_data_id IN ({marks})",
                    *(d for d, _ in datas),
                )
            )
    messages = render_dialogue(
        major=major,
        understanding_level=level,
        language=language,
        only_use_reference_data=bool(only),
        data_sequence=bool(sequence),
        books=[Book(author, title) for author, title in books],
        materials=[Material(title, contents.get(d, "")) for d, title in datas],
    )
    node = {"id": SYSTEM_INFO.global_id(info_id), "major": major, "generatedDialogue": messages}
    return {"data": {"systemInfo": node}}


async def public_scripts(
    floor: Floor, variables: dict[str, Any], token: str | None
) -> dict[str, Any]:
    first = int(variables["first"])
    async with floor.reads.connect() as conn:
        found = await floor.rows(
            conn,
            "SELECT id, name, description, created_at FROM public_script "
            "ORDER BY created_at DESC, id DESC LIMIT ?",
            first + 1,
        )
        page = found[:first]
        scripts: dict[int, list[dict[str, Any]]] = {row[0]: [] for row in page}
        if page:
            marks = ", ".join("?" for _ in page)
            for owner, number, text in await floor.rows(
                conn,
                "SELECT public_script_id, number, text FROM script "
                f"WHERE public_script_id IN ({marks}) ORDER BY public_script_id, number",
                *scripts,
            ):
                scripts[owner].append({"number": number, "text": text})
    edges = [
        {
            "cursor": encode_cursor(_dt(created), pk),
            "node": {
                "id": PUBLIC_SCRIPT.global_id(pk),
                "name": name,
                "descriptionSummary": summarize(description),
                "createdAt": _dt(created).isoformat(),
                "scripts": scripts[pk],
            },
        }
        for pk, name, description, created in page
    ]
    return {
        "data": {
            "publicScripts": {
                "edges": edges,
                "pageInfo": {
                    "hasNextPage": len(found) > first,
                    "endCursor": edges[-1]["cursor"] if edges else None,
                },
            }
        }
    }


async def sign_in(floor: Floor, variables: dict[str, Any], token: str | None) -> dict[str, Any]:
    username, password = variables["input"]["username"], variables["input"]["password"]
    async with floor.engine.connect() as conn:
        found = await floor.rows(
            conn,
            'SELECT id, username, password_hash, token_version FROM "user" WHERE username_key = ?',
            username.casefold(),
        )
    row = found[0] if found else None
    if not await verify_password(row[2] if row else None, password) or row is None:
        return {"data": None, "errors": [{"message": "Invalid username or password."}]}
    pk, name, _hash, version = row
    settings = floor.settings
    access = tokens.issue(
        floor.key, pk, version, "access", timedelta(seconds=settings.access_token_ttl_seconds)
    )
    refresh = tokens.issue(
        floor.key, pk, version, "refresh", timedelta(seconds=settings.refresh_token_ttl_seconds)
    )
    async with floor.write() as conn:
        await conn.exec_driver_sql(
            floor.sql(
                "INSERT INTO refresh_token (jti, user_id, family, expires_at) VALUES (?, ?, ?, ?)"
            ),
            (refresh.claims.jti, pk, refresh.claims.jti, floor.bind(refresh.claims.expires_at)),
        )
    payload = {
        "accessToken": access.token,
        "refreshToken": refresh.token,
        "expiresIn": settings.access_token_ttl_seconds,
        "user": {"id": USER.global_id(pk), "username": name},
    }
    return {"data": {"signIn": payload}}


async def create_ref_book(
    floor: Floor, variables: dict[str, Any], token: str | None
) -> dict[str, Any]:
    author, title = variables["input"]["author"], variables["input"]["title"]
    claims = floor.claims(token)
    if claims is None:
        return _unauthenticated()
    # As the product: the token check and the quota's count in one statement, then the
    # insert, in one write transaction (on SQLite: queued, and BEGIN IMMEDIATE).
    async with floor.write() as conn:
        found = await floor.rows(
            conn,
            "SELECT (SELECT count(*) FROM ref_book WHERE user_id = ?), "
            'EXISTS (SELECT id FROM "user" WHERE id = ? AND token_version = ?)',
            claims.user_id,
            claims.user_id,
            claims.version,
        )
        stored, current = found[0]
        if not current:
            return _unauthenticated()
        if stored >= floor.settings.max_ref_books_per_user:
            return {"errors": [{"message": "quota", "extensions": {"code": "BAD_USER_INPUT"}}]}
        now = datetime.now(UTC)
        result = await conn.exec_driver_sql(
            floor.sql(
                "INSERT INTO ref_book (user_id, author, title, created_at, updated_at) "
                "VALUES (?, ?, ?, ?, ?)"
            ),
            (claims.user_id, author, title, floor.bind(now), floor.bind(now)),
        )
        pk = result.lastrowid
    node = {
        "id": REF_BOOK.global_id(pk),
        "author": author,
        "title": title,
        "createdAt": now.isoformat(),
    }
    return {"data": {"createRefBook": node}}


HANDLERS: dict[str, Handler] = {
    "refBooks6": ref_books,
    "pageRow1": ref_books,
    "pageRow100k": ref_books,
    "titleRow1": ref_books,
    "titleRow100k": ref_books,
    "searchCommon": ref_books,
    "searchRare": ref_books,
    "systemInfos6": system_infos,
    "dialogue": dialogue,
    "publicScripts20": public_scripts,
    "signIn": sign_in,
    "createRefBook": create_ref_book,
}


def create_floor_app(settings_factory: Callable[[], Settings] = load_settings) -> Starlette:
    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        settings = settings_factory()
        engine = create_engine(settings)
        app.state.floor = Floor(settings, engine)
        try:
            yield
        finally:
            await engine.dispose()

    async def endpoint(request: Request) -> Response:
        handler = HANDLERS[request.path_params["name"]]
        body = orjson.loads(await request.body())
        token = tokens.bearer_token(request.headers.get("authorization"))
        answer = await handler(request.app.state.floor, body.get("variables") or {}, token)
        return Response(orjson.dumps(answer), media_type="application/json")

    return Starlette(routes=[Route("/floor/{name}", endpoint, methods=["POST"])], lifespan=lifespan)


app = create_floor_app()
