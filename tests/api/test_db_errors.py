"""db/errors.py on real driver errors: made by SQLite and by MariaDB, never constructed by hand."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine

from db.errors import (
    ConstraintViolation,
    TransactionRetriesExhausted,
    is_disconnect,
    is_retryable,
    is_unreachable,
    violated_constraint,
)
from services import Services
from tests.databases import is_mysql

# Nothing listens on port 1: connecting fails at once.
DEAD_MYSQL = "mysql+aiomysql://root@127.0.0.1:1/nothing"
INSERT_USER = (
    "INSERT INTO user (username, username_key, email, email_key, password_hash, is_admin,"
    " using_token, token_version, created_at, updated_at) VALUES"
    " (:name, :name, :email, :email, 'x', 0, 0, 0, '2026-01-01', '2026-01-01')"
)
INSERT_BOOK = (
    "INSERT INTO ref_book (user_id, author, title, created_at, updated_at)"
    " VALUES (:user_id, 'A', 'T', '2026-01-01', '2026-01-01')"
)


def classes(error: BaseException) -> tuple[bool, bool, bool]:
    return is_unreachable(error), is_retryable(error), is_disconnect(error)


async def failure_of(engine: AsyncEngine, sql: str, **params: object) -> BaseException:
    try:
        async with engine.begin() as connection:
            await connection.execute(text(sql), params)
    except Exception as error:
        return error
    raise AssertionError(f"{sql!r} did not fail")


@pytest.fixture
async def engine(services: Services) -> AsyncIterator[AsyncEngine]:
    """The app's engine on the migrated test database (either backend); tables emptied after."""
    yield services.engine


async def test_a_sqlite_file_whose_directory_is_gone_is_unreachable(tmp_path: Path) -> None:
    # given an SQLite URL in a directory that does not exist (removed under a running service)
    engine = create_async_engine(f"sqlite+aiosqlite:///{tmp_path / 'gone' / 'app.db'}")
    try:
        # when a statement runs
        error = await failure_of(engine, "SELECT 1")
    finally:
        await engine.dispose()
    # then it is "retry later", not a transaction to rerun nor a dropped pooled connection
    assert isinstance(error, DBAPIError)
    assert classes(error) == (True, False, False)


async def test_a_sqlite_database_locked_past_busy_timeout_is_retryable_and_unreachable(
    tmp_path: Path,
) -> None:
    # given another connection holding an exclusive lock on the file
    path = tmp_path / "locked.db"
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("CREATE TABLE t (a INTEGER)")
    holder.execute("BEGIN EXCLUSIVE")
    engine = create_async_engine(f"sqlite+aiosqlite:///{path}", connect_args={"timeout": 0})
    try:
        # when a write waits past its busy timeout (none here)
        error = await failure_of(engine, "INSERT INTO t VALUES (1)")
    finally:
        await engine.dispose()
        holder.close()
    # then it may be run again, and once the retries are spent it is "retry later"
    assert classes(error) == (True, True, False)
    assert is_unreachable(TransactionRetriesExhausted())


async def test_a_statement_error_is_none_of_them(engine: AsyncEngine) -> None:
    # given a statement the database refuses for what it says, on either backend
    error = await failure_of(engine, "SELECT no_such_column FROM user")
    # then it is a fault of the code: not unreachable, not retryable, not a disconnect
    assert classes(error) == (False, False, False)


async def test_a_unique_violation_names_what_the_driver_says(engine: AsyncEngine) -> None:
    # given a user, when a second one takes the same username key
    async with engine.begin() as connection:
        await connection.execute(text(INSERT_USER), {"name": "uma", "email": "uma@example.com"})
    error = await failure_of(engine, INSERT_USER, name="uma", email="other@example.com")
    # then the violation is a unique one on username_key: MariaDB names the unique key,
    # SQLite the table and column
    assert isinstance(error, IntegrityError)
    assert classes(error) == (False, False, False)
    violation = violated_constraint(error)
    if is_mysql():
        assert violation == ConstraintViolation("unique", "username_key")
    else:
        assert violation == ConstraintViolation("unique", None, "user", ("username_key",))


async def test_a_foreign_key_violation_names_what_the_driver_says(engine: AsyncEngine) -> None:
    # when a book names a user that does not exist
    error = await failure_of(engine, INSERT_BOOK, user_id=999_999)
    # then it is a foreign-key violation; MariaDB names the constraint, table and column,
    # SQLite says only that a foreign key failed
    assert isinstance(error, IntegrityError)
    violation = violated_constraint(error)
    assert violation is not None and violation.kind == "foreign_key"
    if is_mysql():
        assert violation.table == "ref_book"
        assert violation.columns == ("user_id",)
        assert violation.name and violation.name.startswith("ref_book_ibfk")
    else:
        assert violation == ConstraintViolation("foreign_key")


async def test_a_not_null_violation_names_no_constraint(engine: AsyncEngine) -> None:
    # when a required column is missing (not a unique or foreign-key constraint)
    error = await failure_of(engine, INSERT_BOOK, user_id=None)
    # then there is nothing to name
    assert isinstance(error, IntegrityError)
    assert violated_constraint(error) is None


async def test_an_unreachable_mysql_server_is_unreachable_and_a_disconnect() -> None:
    # given a MySQL URL where nothing listens (needs no database server at all)
    engine = create_async_engine(DEAD_MYSQL, connect_args={"connect_timeout": 1})
    try:
        error = await failure_of(engine, "SELECT 1")
    finally:
        await engine.dispose()
    # then it is "retry later" and what the pool treats as a dropped connection
    assert classes(error) == (True, False, True)


@pytest.mark.mysql_only
async def test_a_mysql_deadlock_is_retryable(engine: AsyncEngine) -> None:
    # given two users, and two transactions each holding one of their rows
    async with engine.begin() as connection:
        for name in ("dee", "dum"):
            await connection.execute(text(INSERT_USER), {"name": name, "email": f"{name}@x.org"})
    lock = "UPDATE user SET using_token = using_token + 1 WHERE username_key = :name"
    async with engine.connect() as first, engine.connect() as second:
        await first.begin()
        await second.begin()
        await first.execute(text(lock), {"name": "dee"})
        await second.execute(text(lock), {"name": "dum"})

        async def take(connection: AsyncConnection, name: str) -> BaseException | None:
            try:
                await connection.execute(text(lock), {"name": name})
            except DBAPIError as error:
                return error
            return None

        # when each then wants the other's row
        outcomes = await asyncio.gather(take(first, "dum"), take(second, "dee"))
        await first.rollback()
        await second.rollback()
    # then InnoDB picks one loser, whose error may be retried (and is "retry later")
    [error] = [outcome for outcome in outcomes if outcome is not None]
    assert classes(error) == (True, True, False)


@pytest.mark.mysql_only
async def test_a_mysql_lock_wait_timeout_is_retryable(engine: AsyncEngine) -> None:
    # given a row held by one transaction
    async with engine.begin() as connection:
        await connection.execute(text(INSERT_USER), {"name": "lou", "email": "lou@x.org"})
    lock = "UPDATE user SET using_token = 1 WHERE username_key = 'lou'"
    async with engine.connect() as holder, engine.connect() as waiter:
        await holder.begin()
        await holder.execute(text(lock))
        await waiter.execute(text("SET SESSION innodb_lock_wait_timeout = 1"))
        # when another waits for it past its lock wait timeout
        try:
            await waiter.execute(text(lock))
        except DBAPIError as caught:
            error: BaseException = caught
        else:
            raise AssertionError("the second update did not wait")
        await holder.rollback()
        await waiter.rollback()
    assert classes(error) == (True, True, False)
