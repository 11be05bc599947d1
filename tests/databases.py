"""Which database the suite runs against: TEST_DATABASE=sqlite (default) or mysql.

MariaDB databases are throwaway ones named after TEST_DB_PREFIX, so the shared `test`
database and parallel runs stay untouched.
"""

from __future__ import annotations

import os
import uuid
from pathlib import Path

import pymysql

BACKEND = os.environ.get("TEST_DATABASE", "sqlite")
MYSQL_HOST = os.environ.get("TEST_MYSQL_HOST", "127.0.0.1")
MYSQL_PORT = int(os.environ.get("TEST_MYSQL_PORT", "3306"))
PREFIX = os.environ.get("TEST_DB_PREFIX", "gpts_test")


def is_mysql() -> bool:
    return BACKEND == "mysql"


def _admin() -> pymysql.connections.Connection:
    return pymysql.connect(
        host=MYSQL_HOST, port=MYSQL_PORT, user="root", password="", autocommit=True
    )


def fresh_database_url(tmp_dir: Path, name: str) -> str:
    """A URL to a new, empty database of the selected backend."""
    if not is_mysql():
        return f"sqlite+aiosqlite:///{tmp_dir / (name + '.db')}"
    db = f"{PREFIX}_{name}_{uuid.uuid4().hex[:8]}"
    with _admin() as conn, conn.cursor() as cur:
        cur.execute(f"CREATE DATABASE `{db}` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci")
    return f"mysql+aiomysql://root@{MYSQL_HOST}:{MYSQL_PORT}/{db}?charset=utf8mb4"


def drop_database(url: str) -> None:
    if not url.startswith("mysql"):
        return
    db = url.rsplit("/", 1)[1].split("?", 1)[0]
    with _admin() as conn, conn.cursor() as cur:
        cur.execute(f"DROP DATABASE IF EXISTS `{db}`")
