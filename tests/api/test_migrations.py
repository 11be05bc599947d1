"""Alembic migrations on a fresh database of the selected backend.

pytest-alembic's own collector does not work on pytest 9 (see pyproject.toml), so its
built-in checks are called here as plain tests. They run through a blocking driver
(pysqlite, PyMySQL) on the same database: migrations need no asyncio, and the DDL depends
on the dialect, not the driver.
"""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import alembic.config
import pymysql
import pytest
from pytest_alembic import tests as checks
from pytest_alembic.runner import MigrationContext
from sqlalchemy import Engine, MetaData, Table, create_engine, insert, inspect, text
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool
from sqlmodel import SQLModel

import models  # noqa: F401  (every table on the metadata)
from db.migrate import ROOT, upgrade
from db.migrate import alembic_config as make_alembic_config
from tests.databases import (
    MYSQL_HOST,
    MYSQL_PORT,
    PREFIX,
    drop_database,
    fresh_database_url,
    is_mysql,
)

TABLES = {table.name for table in SQLModel.metadata.sorted_tables}


def sync_url(url: str) -> str:
    """The same database through a blocking driver."""
    parsed = make_url(url)
    driver = "mysql+pymysql" if parsed.get_backend_name() == "mysql" else "sqlite+pysqlite"
    return parsed.set(drivername=driver).render_as_string(hide_password=False)


@pytest.fixture
def empty_database_url(tmp_path: Path) -> Iterator[str]:
    url = fresh_database_url(tmp_path, "migrations")
    yield url
    drop_database(url)


@pytest.fixture
def alembic_config(empty_database_url: str) -> alembic.config.Config:
    return make_alembic_config(empty_database_url)


@pytest.fixture
def alembic_engine(empty_database_url: str) -> Iterator[Engine]:
    # env.py opens a connection on this Engine when pytest-alembic hands it over.
    engine = create_engine(sync_url(empty_database_url), poolclass=NullPool)
    yield engine
    engine.dispose()


def test_single_head_revision(alembic_runner: MigrationContext) -> None:
    checks.test_single_head_revision(alembic_runner)


def test_upgrade(alembic_runner: MigrationContext, alembic_engine: Engine) -> None:
    checks.test_upgrade(alembic_runner)
    # and every table of the models exists afterwards
    assert set(inspect(alembic_engine).get_table_names()) >= TABLES


def test_model_definitions_match_ddl(alembic_runner: MigrationContext) -> None:
    checks.test_model_definitions_match_ddl(alembic_runner)


def test_up_down_consistency(alembic_runner: MigrationContext, alembic_engine: Engine) -> None:
    checks.test_up_down_consistency(alembic_runner)
    # and all the way down leaves none of the tables, all the way up brings them back
    alembic_runner.migrate_down_to("base", return_current=False)
    assert not TABLES & set(inspect(alembic_engine).get_table_names())
    alembic_runner.migrate_up_to("heads", return_current=False)
    assert set(inspect(alembic_engine).get_table_names()) >= TABLES


def run_migrate(database_url: str, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "APP_ENV": "development",
        "SECRET_KEY": "migration-test-secret-key-0123456789abcdef",
        "SECRET_KEY_FILE": str(tmp_path / "unused-key"),
    }
    return subprocess.run(
        [sys.executable, "main.py", "migrate"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def schema_state(engine: Engine) -> dict[str, Any]:
    """What any DDL would change: the revision, and a per-database schema stamp."""
    with engine.connect() as connection:
        state: dict[str, Any] = {
            "revision": connection.scalar(text("SELECT version_num FROM alembic_version")),
        }
        if engine.dialect.name == "sqlite":
            # SQLite bumps schema_version on every change to the schema.
            state["schema_version"] = connection.scalar(text("PRAGMA schema_version"))
        else:
            rows = connection.execute(
                text(
                    "SELECT TABLE_NAME, CREATE_TIME FROM information_schema.TABLES "
                    "WHERE TABLE_SCHEMA = DATABASE() ORDER BY TABLE_NAME"
                )
            )
            state["tables"] = [tuple(row) for row in rows]
    return state


def test_migrate_command_twice_is_a_no_op(empty_database_url: str, tmp_path: Path) -> None:
    # given a database migrated by `python main.py migrate`, holding a row
    first = run_migrate(empty_database_url, tmp_path)
    assert first.returncode == 0, first.stderr
    engine = create_engine(sync_url(empty_database_url), poolclass=NullPool)
    try:
        with engine.begin() as connection:
            connection.execute(
                text(
                    "INSERT INTO public_script (name, description, created_at, updated_at) "
                    "VALUES ('kept', 'kept', '2025-01-01 00:00:00', '2025-01-01 00:00:00')"
                )
            )
        before = schema_state(engine)
        assert before["revision"] is not None
        # when it runs again
        second = run_migrate(empty_database_url, tmp_path)
        # then it succeeds, changes no table, and the data is still there
        assert second.returncode == 0, second.stderr
        assert "migrated to head" in second.stdout
        assert schema_state(engine) == before
        with engine.connect() as connection:
            assert connection.scalar(text("SELECT name FROM public_script")) == "kept"
    finally:
        engine.dispose()


@pytest.fixture
def latin1_database_url() -> Iterator[str]:
    """A MariaDB database whose default charset cannot hold Korean or emoji."""
    assert is_mysql()
    name = f"{PREFIX}_latin1_{uuid.uuid4().hex[:8]}"
    connection = pymysql.connect(
        host=MYSQL_HOST, port=MYSQL_PORT, user="root", password="", autocommit=True
    )
    with connection, connection.cursor() as cursor:
        cursor.execute(f"CREATE DATABASE `{name}` CHARACTER SET latin1 COLLATE latin1_swedish_ci")
    url = f"mysql+aiomysql://root@{MYSQL_HOST}:{MYSQL_PORT}/{name}"
    yield url
    drop_database(url)


@pytest.mark.mysql_only
async def test_mysql_tables_are_utf8mb4_whatever_the_database_default(
    latin1_database_url: str,
) -> None:
    # given a latin1 database and a URL without a charset / when migrated
    await upgrade(latin1_database_url)
    engine = create_engine(sync_url(latin1_database_url), poolclass=NullPool)
    try:
        with engine.connect() as connection:
            tables: dict[str, str] = dict(
                connection.execute(
                    text(
                        "SELECT TABLE_NAME, TABLE_COLLATION FROM information_schema.TABLES "
                        "WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME <> 'alembic_version'"
                    )
                ).all()
            )
            columns = connection.execute(
                text(
                    "SELECT TABLE_NAME, COLUMN_NAME, CHARACTER_SET_NAME "
                    "FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE() "
                    "AND CHARACTER_SET_NAME IS NOT NULL AND TABLE_NAME <> 'alembic_version'"
                )
            ).all()
            # then every table and every text column is utf8mb4, and 4-byte text fits
            assert set(tables) == TABLES
            assert all(c.startswith("utf8mb4_") for c in tables.values()), tables
            assert columns and all(row[2] == "utf8mb4" for row in columns), columns
            connection.execute(
                text(
                    "INSERT INTO public_script (name, description, created_at, updated_at) "
                    "VALUES (:name, :name, '2025-01-01', '2025-01-01')"
                ),
                {"name": "이모지 😀"},
            )
            assert connection.scalar(text("SELECT name FROM public_script")) == "이모지 😀"
    finally:
        engine.dispose()


def test_refresh_tokens_from_before_0004_each_start_a_chain(
    alembic_runner: MigrationContext, alembic_engine: Engine
) -> None:
    # given a database at 0003 holding a user's two refresh tokens
    alembic_runner.migrate_up_to("0003", return_current=False)
    when = datetime(2026, 1, 1)
    with alembic_engine.begin() as connection:
        users = Table("user", MetaData(), autoload_with=connection)
        tokens = Table("refresh_token", MetaData(), autoload_with=connection)
        connection.execute(
            insert(users).values(
                id=1,
                username="u",
                username_key="u",
                email="u@example.com",
                email_key="u@example.com",
                password_hash="h",
                is_admin=False,
                using_token=0,
                token_version=0,
                created_at=when,
                updated_at=when,
            )
        )
        connection.execute(
            insert(tokens), [{"jti": jti, "user_id": 1, "expires_at": when} for jti in "ab"]
        )
    # when 0004 runs
    alembic_runner.migrate_up_to("0004", return_current=False)
    # then each row is a chain of its own, and every later row must name its chain
    with alembic_engine.connect() as connection:
        rows = connection.execute(text("SELECT jti, family FROM refresh_token ORDER BY jti"))
        assert [tuple(row) for row in rows] == [("a", "a"), ("b", "b")]
    columns = {c["name"]: c for c in inspect(alembic_engine).get_columns("refresh_token")}
    assert columns["family"]["nullable"] is False
