"""A request reads through one pooled connection (db/reads.py), however many fields read.

Connections are few and each checkout has a cost of its own, so sibling fields and loader
batches share one, taking turns. On MariaDB reads have a pool of their own (db/engine.py):
the counts are over both pools.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import event, text
from sqlalchemy.ext.asyncio import AsyncEngine

from db.engine import engines_of
from db.reads import SharedReadConnection
from services import Services
from tests.data_api import quick_account, seed_books, seed_datas, stamps, user_pk
from tests.utils import GraphQLClient, assert_no_errors

SIBLINGS = """
query {
  me { id }
  refBooks(first: 3) { edges { node { id title } } }
  refDatas(first: 3) { edges { node { id title content } } }
  publicScripts(first: 3) { edges { node { id scripts { number } } } }
}
"""
UPDATE_AND_READ = """
mutation($id: ID!, $input: UpdateRefBookInput!) {
  updateRefBook(id: $id, input: $input) { id title }
}
"""
CREATE = """
mutation($input: CreateRefBookInput!) { createRefBook(input: $input) { id title } }
"""


class Checkouts:
    def __init__(self) -> None:
        self.count = 0

    def record(self, *_args: Any) -> None:
        self.count += 1


@contextmanager
def count_checkouts(engine: AsyncEngine) -> Iterator[Checkouts]:
    checkouts = Checkouts()
    for each in engines_of(engine):
        event.listen(each.sync_engine, "checkout", checkouts.record)
    try:
        yield checkouts
    finally:
        for each in engines_of(engine):
            event.remove(each.sync_engine, "checkout", checkouts.record)


async def test_sibling_fields_and_loaders_share_one_connection(
    gql: GraphQLClient, services: Services
) -> None:
    # given a user with books and materials
    alice = await quick_account(services, "alice")
    await seed_books(services, user_pk(alice), stamps(3))
    await seed_datas(services, user_pk(alice), stamps(3))
    # when one document reads the caller, two pages, contents and public scripts
    with count_checkouts(services.engine) as checkouts:
        data = assert_no_errors(await gql(SIBLINGS, token=alice.token))
    # then every field answered, through one checkout
    assert len(data["refBooks"]["edges"]) == 3
    assert all(e["node"]["content"] for e in data["refDatas"]["edges"])
    assert checkouts.count == 1


async def test_a_write_takes_its_own_connection_and_the_read_one_is_given_back(
    gql: GraphQLClient, services: Services
) -> None:
    # given a signed-in user with a book
    alice = await quick_account(services, "alice")
    [book] = await seed_books(services, user_pk(alice), stamps(1))
    # when a mutation checks the caller (a read) and then writes
    with count_checkouts(services.engine) as checkouts:
        body = await gql(UPDATE_AND_READ, {"id": book, "input": {"title": "T"}}, token=alice.token)
    # then it took two checkouts, one after the other, and left none checked out
    assert assert_no_errors(body)["updateRefBook"]["title"] == "T"
    assert checkouts.count == 2
    for engine in engines_of(services.engine):
        assert engine.sync_engine.pool.checkedout() == 0  # type: ignore[attr-defined]


async def test_a_create_checks_the_token_inside_its_own_transaction(
    gql: GraphQLClient, services: Services
) -> None:
    # given a signed-in user
    alice = await quick_account(services, "alice")
    # when she creates a book and reads it back in the answer
    with count_checkouts(services.engine) as checkouts:
        body = await gql(CREATE, {"input": {"author": "A", "title": "T"}}, token=alice.token)
    # then the write's own connection did it all: the token check rides in its transaction
    assert assert_no_errors(body)["createRefBook"]["title"] == "T"
    assert checkouts.count == 1
    for engine in engines_of(services.engine):
        assert engine.sync_engine.pool.checkedout() == 0  # type: ignore[attr-defined]


async def test_a_read_after_the_requests_last_end_gives_its_connection_back(
    services: Services,
) -> None:
    # given a request's reads, ended for good (a loader batch may outlive its operation
    # when the operation is cancelled at its deadline)
    reads = SharedReadConnection(services.sessions)
    await reads.end(final=True)
    # when a straggler reads
    async with reads() as connection:
        assert (await connection.execute(text("SELECT 1"))).scalar() == 1
    # then no connection is left checked out
    for engine in engines_of(services.engine):
        assert engine.sync_engine.pool.checkedout() == 0  # type: ignore[attr-defined]


async def test_the_last_end_waits_for_a_reader_still_opening_its_connection(
    services: Services,
) -> None:
    # given a reader that has the lock and is opening its connection
    reads = SharedReadConnection(services.sessions)
    opened = asyncio.Event()

    async def reader() -> None:
        async with reads() as connection:
            opened.set()
            await connection.execute(text("SELECT 1"))

    task = asyncio.ensure_future(reader())
    await asyncio.sleep(0)
    # when the request ends meanwhile
    await reads.end(final=True)
    await task
    # then the reader ran and its connection went back
    assert opened.is_set()
    for engine in engines_of(services.engine):
        assert engine.sync_engine.pool.checkedout() == 0  # type: ignore[attr-defined]


async def test_a_failed_read_gives_its_connection_up_and_the_next_opens_another(
    services: Services,
) -> None:
    # given a request's reads, one of which fails inside its turn
    reads = SharedReadConnection(services.sessions)
    try:
        async with reads() as first:
            raise LookupError("the statement failed")
    except LookupError:
        pass
    # when the request reads again, the same task nested inside its own read
    async with reads() as second, reads() as nested:
        assert (await nested.execute(text("SELECT 1"))).scalar() == 1
    # then the failed connection was closed, the next read got another, the nested read the
    # one its task holds, and nothing is left checked out once the request ends
    assert first.closed and second is not first and nested is second
    await reads.end(final=True)
    for engine in engines_of(services.engine):
        assert engine.sync_engine.pool.checkedout() == 0  # type: ignore[attr-defined]
