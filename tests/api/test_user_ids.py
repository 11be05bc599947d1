"""User ids are never reused, so a deleted user's tokens can never name a later account.

Revision 0002 makes SQLite's user ids AUTOINCREMENT (MySQL/MariaDB never reuse them);
this checks that it keeps existing rows and their cascades. The behaviour through the API
is test_account_sessions.py::test_a_deleted_users_tokens_do_not_open_a_later_account.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import delete, func, insert, select
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel import col

from db.engine import create_engine
from db.migrate import upgrade
from models import RefBook, User
from models.types import utcnow
from settings import Settings
from tests.databases import drop_database, fresh_database_url


def user_row(name: str) -> dict[str, Any]:
    now = utcnow()
    return {
        "username": name,
        "username_key": name,
        "email": f"{name}@example.com",
        "email_key": f"{name}@example.com",
        "password_hash": "not-a-hash",
        "is_admin": False,
        "using_token": 0,
        "token_version": 0,
        "created_at": now,
        "updated_at": now,
    }


def engine_for(url: str, tmp_path: Path) -> AsyncEngine:
    # The service's own engine: on SQLite it turns foreign keys (and so cascades) on.
    return create_engine(Settings(database_url=url, secret_key_file=tmp_path / "key"))


async def count(engine: AsyncEngine, model: Any) -> int:
    async with engine.connect() as connection:
        return int(await connection.scalar(select(func.count()).select_from(model)) or 0)


async def test_upgrade_keeps_users_and_their_rows_and_ids_are_not_reused(
    tmp_path: Path,
) -> None:
    url = fresh_database_url(tmp_path, "user_ids")
    try:
        # given a database at 0001 with two users, the newer owning a book
        await upgrade(url, "0001")
        engine = engine_for(url, tmp_path)
        async with engine.begin() as connection:
            await connection.execute(insert(User), [user_row("old"), user_row("newest")])
            newest = await connection.scalar(select(func.max(User.id)))
            book = {"user_id": newest, "author": "a", "title": "t"}
            await connection.execute(
                insert(RefBook), [{**book, "created_at": utcnow(), "updated_at": utcnow()}]
            )
        await engine.dispose()
        # when it is upgraded
        await upgrade(url)
        engine = engine_for(url, tmp_path)
        try:
            # then every row is still there
            assert (await count(engine, User), await count(engine, RefBook)) == (2, 1)
            # and deleting the newest user still cascades to the book
            async with engine.begin() as connection:
                await connection.execute(delete(User).where(col(User.id) == newest))
            assert await count(engine, RefBook) == 0
            # and the next user gets a new id, not the deleted one
            async with engine.begin() as connection:
                await connection.execute(insert(User), [user_row("later")])
                later = await connection.scalar(
                    select(col(User.id)).where(col(User.username) == "later")
                )
            assert later is not None and newest is not None and later > newest
        finally:
            await engine.dispose()
    finally:
        drop_database(url)
