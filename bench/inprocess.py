"""Once per operation, in this process: SQL statements per request, and floor == product.

The app and the floor run in-process on the benchmark's database (httpx over ASGI), with a
listener counting every statement sent to each engine. Reads must answer with the same JSON
as their floor; writes with the same shape. Reads measured by hash and by text also get
their CPU time per request here (time.process_time, best of ROUNDS x REQUESTS, alternating
the two): what preparing the trusted document at start-up saves each request.
"""

from __future__ import annotations

import itertools
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
import orjson
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine
from starlette.applications import Starlette

from bench.floor import create_floor_app
from bench.ops import SIGN_IN, SYSTEM_INFOS_FULL, Operation
from bench.seed import Seeded
from db.engine import engines_of
from main import create_app
from settings import Settings


class Counter:
    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine
        self.count = 0

    def _record(self, _conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        # SQLite's BEGIN passes through the cursor, MySQL's does not: only queries count.
        if not statement.startswith("BEGIN"):
            self.count += 1

    def __enter__(self) -> Counter:
        for engine in engines_of(self.engine):
            event.listen(engine.sync_engine, "before_cursor_execute", self._record)
        return self

    def __exit__(self, *_exc: object) -> None:
        for engine in engines_of(self.engine):
            event.remove(engine.sync_engine, "before_cursor_execute", self._record)


@asynccontextmanager
async def _client(app: Starlette) -> AsyncIterator[httpx.AsyncClient]:
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app, client=("127.0.0.1", 50000))
        async with httpx.AsyncClient(transport=transport, base_url="http://bench") as client:
            yield client


def _shape(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _shape(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_shape(v) for v in value]
    return type(value).__name__


async def _post(
    client: httpx.AsyncClient, path: str, body: dict[str, Any], token: str | None
) -> dict[str, Any]:
    headers = {"content-type": "application/json"}
    if token:
        headers["authorization"] = f"Bearer {token}"
    response = await client.post(path, content=orjson.dumps(body), headers=headers)
    response.raise_for_status()
    answer: dict[str, Any] = response.json()
    if answer.get("errors"):
        raise AssertionError(f"{path}: {answer['errors']}")
    return answer


async def check(settings: Settings, seeded: Seeded, ops: list[Operation]) -> dict[str, Any]:
    """Access tokens, and statements per request, same JSON and growth per operation."""
    statements: dict[str, dict[str, int]] = {}
    same: dict[str, bool] = {}
    product_app = create_app(lambda: settings)
    floor_app = create_floor_app(lambda: settings)
    async with _client(product_app) as product, _client(floor_app) as floor:
        tokens = await sign_in_tokens(product, seeded)
        product_engine = product_app.state.services.engine
        floor_engine = floor_app.state.floor.engine
        for op in ops:
            token = tokens.get(op.caller)
            with Counter(product_engine) as counted:
                graphql = await _post(product, "/graphql", op.body(), token)
            with Counter(floor_engine) as floor_counted:
                plain = await _post(floor, f"/floor/{op.floor_name}", op.body(), token)
            statements[op.name] = {"graphql": counted.count, "floor": floor_counted.count}
            same[op.name] = graphql == plain if op.read else _shape(graphql) == _shape(plain)
        growth: dict[str, int] = {}
        for first in (5, 50):
            body = {"query": SYSTEM_INFOS_FULL, "variables": {"first": first}}
            with Counter(product_engine) as counted:
                answer = await _post(product, "/graphql", body, tokens["main"])
            assert len(answer["data"]["systemInfos"]["edges"]) == first
            growth[f"first{first}"] = counted.count
        cpu = await cpu_per_request(product, ops, tokens)
    return {
        "tokens": tokens,
        "statements": statements,
        "same_json": same,
        "growth": growth,
        "cpu_ms": cpu,
    }


ROUNDS = 5
REQUESTS = 40


async def cpu_per_request(
    client: httpx.AsyncClient, ops: list[Operation], tokens: dict[str, str]
) -> dict[str, float]:
    """CPU milliseconds per request of each by-hash read and of its by-text twin.

    The twin twice: as sent again and again (parsed and validated once, then answered from
    strawberry's LRU caches), and `<name>Cold` with a comment making every text new (parsed
    and validated on every request, as when the caches are cold or flooded).
    """
    by_name = {op.name: op for op in ops}
    pairs = [(by_name[op.floor_name], op) for op in ops if op.by_hash and op.floor_name in by_name]
    fresh = itertools.count()
    best: dict[str, float] = {}
    for _ in range(ROUNDS):
        for text, hashed in pairs:
            for name, op, cold in (
                (text.name, text, False),
                (f"{text.name}Cold", text, True),
                (hashed.name, hashed, False),
            ):
                token = tokens.get(op.caller)
                bodies = [
                    {**op.body(), "query": f"{op.query}# {next(fresh)}"} if cold else op.body()
                    for _ in range(REQUESTS)
                ]
                started = time.process_time()
                for body in bodies:
                    await _post(client, "/graphql", body, token)
                ms = (time.process_time() - started) * 1000 / REQUESTS
                best[name] = round(min(best.get(name, ms), ms), 3)
    return best


async def sign_in_tokens(client: httpx.AsyncClient, seeded: Seeded) -> dict[str, str]:
    """Access tokens for the main and the deep-paging user."""
    found: dict[str, str] = {}
    for caller, username in (("main", seeded.main_username), ("deep", seeded.deep_username)):
        body = {
            "query": SIGN_IN,
            "variables": {"input": {"username": username, "password": seeded.password}},
        }
        answer = await _post(client, "/graphql", body, None)
        found[caller] = answer["data"]["signIn"]["accessToken"]
    return found
