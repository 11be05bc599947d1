"""Pooled connections cost no round trips beyond their statements, and still recover.

Reads use a pool of autocommit connections (no ROLLBACK when they go back); no pool pings a
connection used a moment ago (db/liveness.py); a connection the server dropped while it sat
in the pool is replaced before it is lent, so the client never sees the drop. The counts come
from the server's own per-connection status (`Com_admin_commands` counts pings).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from typing import Any

import pymysql
import pytest
from sqlalchemy import event, text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from db.engine import create_engine, engines_of
from db.liveness import server_hung_up
from services import Services
from settings import Settings
from tests.data_api import quick_account, seed_books, stamps, user_pk
from tests.databases import MYSQL_HOST, MYSQL_PORT
from tests.utils import GraphQLClient, assert_no_errors

pytestmark = pytest.mark.mysql_only

BOOKS = "query { refBooks(first: 3) { edges { node { id title } } } }"
CREATE_BOOK = "mutation($i: CreateRefBookInput!) { createRefBook(input: $i) { id } }"


async def status(conn: AsyncConnection, name: str) -> int:
    row = (await conn.execute(text(f"SHOW SESSION STATUS LIKE '{name}'"))).one()
    return int(row[1])


@pytest.fixture
async def one_connection_engines(settings: Settings) -> AsyncIterator[Any]:
    """Engines of one pooled connection each, made as the app makes them."""
    made: list[AsyncEngine] = []

    def make(reads: bool = False, **changes: Any) -> AsyncEngine:
        changed = settings.model_copy(update={"db_pool_size": 1, "db_max_overflow": 0, **changes})
        engine = create_engine(changed, reads=reads)
        made.append(engine)
        return engine

    yield make
    for engine in made:
        await engine.dispose()


async def test_a_connection_used_a_moment_ago_is_lent_without_a_ping(
    one_connection_engines: Any,
) -> None:
    # given an engine with one pooled connection, pinged only after a long idle time
    engine = one_connection_engines(db_ping_after_idle_seconds=3600)
    async with engine.connect() as conn:
        before = await status(conn, "Com_admin_commands")
    # when it is lent again and again
    for _ in range(3):
        async with engine.connect() as conn:
            after = await status(conn, "Com_admin_commands")
    # then the server received no ping
    assert after == before


async def test_a_connection_idle_past_the_limit_is_pinged_first(
    one_connection_engines: Any,
) -> None:
    # given an engine whose limit is zero: every connection counts as idle for long
    engine = one_connection_engines(db_ping_after_idle_seconds=0)
    async with engine.connect() as conn:
        before = await status(conn, "Com_admin_commands")
    # when it is lent three more times
    for _ in range(3):
        async with engine.connect() as conn:
            after = await status(conn, "Com_admin_commands")
    # then each loan was preceded by one ping
    assert after == before + 3


async def test_reads_go_back_to_the_pool_without_a_rollback(one_connection_engines: Any) -> None:
    # given the read engine and the write engine, one connection each
    reads = one_connection_engines(reads=True)
    writes = one_connection_engines()
    rollbacks = {}
    for name, engine in (("reads", reads), ("writes", writes)):
        # when a connection reads, goes back to the pool, and is lent again
        async with engine.connect() as conn:
            before = await status(conn, "Com_rollback")
        async with engine.connect() as conn:
            rollbacks[name] = await status(conn, "Com_rollback") - before
    # then only the transactional engine rolled back on return
    assert rollbacks == {"reads": 0, "writes": 1}


def _kill_pooled(database: str) -> list[int]:
    """KILL every connection the server has to `database` (the app's pools)."""
    with (
        pymysql.connect(host=MYSQL_HOST, port=MYSQL_PORT, user="root", autocommit=True) as admin,
        admin.cursor() as cursor,
    ):
        cursor.execute(
            "SELECT id FROM information_schema.PROCESSLIST WHERE db = %s AND id <> CONNECTION_ID()",
            (database,),
        )
        ids = [int(row[0]) for row in cursor.fetchall()]
        for pid in ids:
            cursor.execute(f"KILL CONNECTION {pid}")
    return ids


@contextmanager
def count_invalidations(engine: AsyncEngine) -> Iterator[list[object]]:
    replaced: list[object] = []

    def record(_dbapi_connection: Any, _record: Any, error: object) -> None:
        replaced.append(error)

    for each in engines_of(engine):
        event.listen(each.sync_engine, "invalidate", record)
    try:
        yield replaced
    finally:
        for each in engines_of(engine):
            event.remove(each.sync_engine, "invalidate", record)


async def test_connections_the_server_dropped_in_the_pool_are_replaced_unseen(
    gql: GraphQLClient, services: Services, settings: Settings
) -> None:
    # given a user with books, and pooled read and write connections used a moment ago
    owner = await quick_account(services, "pooled")
    await seed_books(services, user_pk(owner), stamps(3))
    for _ in range(2):
        assert_no_errors(await gql(BOOKS, token=owner.token))
    # when the server drops every one of them (as on a restart or a KILL)
    killed = _kill_pooled(make_url(settings.database_url).database or "")
    assert killed
    # and the event loop has had a moment to read the servers' goodbyes
    await asyncio.sleep(0.2)
    with count_invalidations(services.engine) as replaced:
        # then the next reads and writes, one by one and concurrently, all succeed
        assert_no_errors(await gql(BOOKS, token=owner.token))
        made = await gql(CREATE_BOOK, {"i": {"author": "A", "title": "T"}}, token=owner.token)
        assert_no_errors(made)
        answers = await asyncio.gather(*(gql(BOOKS, token=owner.token) for _ in range(6)))
        for body in answers:
            assert_no_errors(body)
    # and each dropped connection was found out before use, without a ping
    assert replaced and all("closed this connection" in str(e) for e in replaced), replaced


async def test_a_dropped_connection_is_seen_without_a_round_trip(
    one_connection_engines: Any, settings: Settings
) -> None:
    # given a pooled connection, alive
    engine = one_connection_engines(db_ping_after_idle_seconds=3600)
    async with engine.connect() as conn:
        pid = int((await conn.execute(text("SELECT CONNECTION_ID()"))).scalar_one())
        driver = (await conn.get_raw_connection()).driver_connection
    assert server_hung_up(driver) is False
    # when the server kills it while it sits in the pool
    with (
        pymysql.connect(host=MYSQL_HOST, port=MYSQL_PORT, user="root", autocommit=True) as admin,
        admin.cursor() as cursor,
    ):
        cursor.execute(f"KILL CONNECTION {pid}")
    await asyncio.sleep(0.2)
    # then the driver's connection already tells, and the next loan gets a new one
    assert server_hung_up(driver) is True
    async with engine.connect() as conn:
        assert int((await conn.execute(text("SELECT CONNECTION_ID()"))).scalar_one()) != pid
