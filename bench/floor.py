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
from db.engine import create_engine, create_read_engine
from resolvers.dialogue import Book, Material, render_dialogue, summarize
from resolvers.ids import PUBLIC_SCRIPT, REF_BOOK, REF_DATA, SYSTEM_INFO, USER, pk_of, to_global_id
from resolvers.pagination import decode_cursor, encode_cursor
from settings import Settings, load_settings

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
        # Written for SQLite; MySQL wants %s placeholders and backquoted names.
        return statement.replace("?", "%s").replace('"', "`") if self.mysql else statement

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
        current, as the product's does (the flag is the last column); None when it is not."""
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
        return found if found[0][-1] else None


def _dt(value: Any) -> datetime:
    moment = datetime.fromisoformat(value) if isinstance(value, str) else value
    return moment.replace(tzinfo=UTC)


def _unauthenticated() -> dict[str, Any]:
    return {"data": None, "errors": [{"message": "Sign in required."}]}


async def ref_books(floor: Floor, variables: dict[str, Any], token: str | None) -> dict[str, Any]:
    first = int(variables["first"])
    after = decode_cursor(variables["after"]) if variables.get("after") else None
    claims = floor.claims(token)
    if claims is None:
        return _unauthenticated()
    async with floor.reads.connect() as conn:
        where, params = "user_id = ?", [claims.user_id]
        # With a cursor, the page's statement also says whether a newer row exists.
        probe, probe_params = "", []
        if after is not None:
            at = floor.bind(after.created_at)
            where += " AND created_at <= ? AND (created_at < ? OR id < ?)"
            params += [at, at, after.id]
            probe = (
                ", EXISTS (SELECT id FROM ref_book WHERE user_id = ? AND created_at >= ? "
                "AND (created_at > ? OR id >= ?)) AS beyond"
            )
            probe_params = [claims.user_id, at, at, after.id]
        found = await floor.page(
            conn,
            claims,
            "id, author, title, created_at, updated_at",
            f"{probe} FROM ref_book WHERE {where} ORDER BY created_at DESC, id DESC LIMIT ?",
            *probe_params,
            *params,
            first + 1,
        )
    if found is None:
        return _unauthenticated()
    previous = bool(found[0][6]) if after is not None and found else False
    page = found[:first]
    edges = [
        {
            "cursor": encode_cursor(_dt(created), pk),
            "node": {
                "id": to_global_id(REF_BOOK, pk),
                "author": author,
                "title": title,
                "createdAt": _dt(created).isoformat(),
                "updatedAt": _dt(updated).isoformat(),
            },
        }
        for pk, author, title, created, updated, *_ in page
    ]
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
                "id": to_global_id(SYSTEM_INFO, pk),
                "description": description,
                "language": language,
                "major": major,
                "understandingLevel": level,
                "onlyUseReferenceData": bool(only),
                "dataSequence": bool(sequence),
                "createdAt": _dt(created).isoformat(),
                "refBooks": [{"id": to_global_id(REF_BOOK, b), "title": t} for b, t in books[pk]],
                "refDatas": [{"id": to_global_id(REF_DATA, d), "title": t} for d, t in datas[pk]],
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
    pk = pk_of(variables["id"], SYSTEM_INFO)
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
    node = {"id": to_global_id(SYSTEM_INFO, info_id), "major": major, "generatedDialogue": messages}
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
                "id": to_global_id(PUBLIC_SCRIPT, pk),
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
    async with floor.engine.begin() as conn:
        await conn.exec_driver_sql(
            floor.sql("INSERT INTO refresh_token (jti, user_id, expires_at) VALUES (?, ?, ?)"),
            (refresh.claims.jti, pk, floor.bind(refresh.claims.expires_at)),
        )
    payload = {
        "accessToken": access.token,
        "refreshToken": refresh.token,
        "expiresIn": settings.access_token_ttl_seconds,
        "user": {"id": to_global_id(USER, pk), "username": name},
    }
    return {"data": {"signIn": payload}}


async def create_ref_book(
    floor: Floor, variables: dict[str, Any], token: str | None
) -> dict[str, Any]:
    author, title = variables["input"]["author"], variables["input"]["title"]
    now = datetime.now(UTC)
    async with floor.engine.begin() as conn:
        caller = await floor.caller(conn, token)
        if caller is None:
            return _unauthenticated()
        result = await conn.exec_driver_sql(
            floor.sql(
                "INSERT INTO ref_book (user_id, author, title, created_at, updated_at) "
                "VALUES (?, ?, ?, ?, ?)"
            ),
            (caller[0], author, title, floor.bind(now), floor.bind(now)),
        )
        pk = result.lastrowid
    node = {
        "id": to_global_id(REF_BOOK, pk),
        "author": author,
        "title": title,
        "createdAt": now.isoformat(),
    }
    return {"data": {"createRefBook": node}}


HANDLERS: dict[str, Handler] = {
    "refBooks6": ref_books,
    "pageRow1": ref_books,
    "pageRow100k": ref_books,
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
