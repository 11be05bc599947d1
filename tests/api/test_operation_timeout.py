"""The operation timeout: an operation stuck behind another connection's lock is cancelled,
answered at once with SERVICE_UNAVAILABLE, and none of its writes remain."""

from __future__ import annotations

import asyncio
import contextlib
import sqlite3
from collections.abc import Iterator

import pymysql
import pytest
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncSession

from db.transaction import run_in_transaction
from models import RefBook
from resolvers.ids import pk_of
from schema.deadline import drain_cancelled
from services import Services
from settings import Settings
from tests.hardening import app_with
from tests.utils import GraphQLClient, assert_error_code, assert_no_errors, sign_up_and_in

CREATE_BOOK = """
mutation CreateBook($input: CreateRefBookInput!) { createRefBook(input: $input) { id title } }
"""
UPDATE_BOOK = """
mutation UpdateBook($id: ID!, $input: UpdateRefBookInput!) {
  updateRefBook(id: $id, input: $input) { id title }
}
"""
READ_BOOK = "query Book($id: ID!) { refBook(id: $id) { title } }"
TIMEOUT = 0.5


@contextlib.contextmanager
def row_locked_elsewhere(database_url: str, book_pk: int) -> Iterator[None]:
    """Another connection holds a write lock on the book until the block ends.

    MariaDB: a row lock (SELECT ... FOR UPDATE). SQLite locks the whole database for a
    writer (BEGIN IMMEDIATE), which blocks the update just the same.
    """
    url = make_url(database_url)
    if url.get_backend_name() == "sqlite":
        lite = sqlite3.connect(str(url.database), isolation_level=None)
        lite.execute("BEGIN IMMEDIATE")
        try:
            yield
        finally:
            lite.execute("ROLLBACK")
            lite.close()
        return
    conn = pymysql.connect(
        host=url.host, port=url.port or 3306, user=url.username, database=url.database
    )
    try:
        with conn.cursor() as cursor:
            cursor.execute("START TRANSACTION")
            cursor.execute("SELECT id FROM ref_book WHERE id = %s FOR UPDATE", (book_pk,))
        yield
    finally:
        conn.rollback()
        conn.close()


async def test_an_operation_stuck_on_a_lock_times_out_and_writes_nothing(
    settings: Settings, gql: GraphQLClient
) -> None:
    # given a book (made through the usual app, whose timeout is the default 10 s)
    alice = await sign_up_and_in(gql, "tina")
    created = assert_no_errors(
        await gql(CREATE_BOOK, {"input": {"author": "A", "title": "Original"}}, token=alice.token)
    )["createRefBook"]
    book = {"id": created["id"]}
    # and an app on the same database whose operations may take 0.5 s
    async with app_with(settings, operation_timeout_seconds=TIMEOUT) as app:
        pk = pk_of(created["id"], "RefBook")
        assert pk is not None
        # when an update needs a lock that another connection holds
        # (held until the answer is back: an answer while it is held came from the deadline)
        with row_locked_elsewhere(settings.database_url, pk):
            body = await app.gql(
                UPDATE_BOOK, {**book, "input": {"title": "Changed"}}, token=alice.token
            )
            # then the client is told at the deadline, not when the lock goes
            error = assert_error_code(body, "SERVICE_UNAVAILABLE")
            assert "timed out after 0.5 s" in error["message"]
            assert error["extensions"]["timeoutSeconds"] == TIMEOUT
            assert body["data"] is None
        # and once the lock is gone and the cancelled operation has unwound
        assert await drain_cancelled(10) == 0
    # then its write is nowhere
    read = assert_no_errors(await gql(READ_BOOK, book, token=alice.token))
    assert read["refBook"]["title"] == "Original"
    # and the same update goes through when nothing blocks it
    again = assert_no_errors(
        await gql(UPDATE_BOOK, {**book, "input": {"title": "Later"}}, token=alice.token)
    )
    assert again["updateRefBook"]["title"] == "Later"


async def test_fast_operations_are_untouched_by_the_deadline(settings: Settings) -> None:
    async with app_with(settings, operation_timeout_seconds=TIMEOUT) as app:
        assert assert_no_errors(await app.gql("query { __typename }")) == {"__typename": "Query"}


async def test_a_write_still_waiting_to_flush_is_not_committed_when_cancelled(
    gql: GraphQLClient, services: Services, settings: Settings
) -> None:
    """Regression: SQLAlchemy shields the commit on leaving `sessions.begin()` from
    cancellation, so a change flushed only there was written by a cancelled operation."""
    # given a book, and a unit of work whose change is made on the ORM object (so its
    # UPDATE would be sent by the flush)
    alice = await sign_up_and_in(gql, "uma")
    created = assert_no_errors(
        await gql(CREATE_BOOK, {"input": {"author": "A", "title": "Original"}}, token=alice.token)
    )["createRefBook"]
    pk = pk_of(created["id"], "RefBook")
    assert pk is not None

    async def rename(session: AsyncSession) -> None:
        book = await session.get(RefBook, pk)
        assert book is not None
        book.title = "Renamed"

    # when its UPDATE waits for another connection's lock and the operation is cancelled
    with row_locked_elsewhere(settings.database_url, pk):
        work = asyncio.ensure_future(run_in_transaction(services.sessions, rename))
        done, _ = await asyncio.wait({work}, timeout=TIMEOUT)
        assert not done
        work.cancel()
    # then it ends cancelled, and the title is unchanged
    with pytest.raises(asyncio.CancelledError):
        await asyncio.wait_for(work, 10)
    async with services.sessions() as session:
        book = await session.get(RefBook, pk)
        assert book is not None and book.title == "Original"
