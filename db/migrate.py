"""Apply Alembic migrations from code: `python main.py migrate`, tests, and the bench."""

from __future__ import annotations

import asyncio
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Connection, text
from sqlalchemy.ext.asyncio import create_async_engine
from sqlalchemy.pool import NullPool

from db.engine import normalize_url

ROOT = Path(__file__).resolve().parent.parent
# Replicas may all run `migrate` at once: MySQL's named lock lets one win while the
# others wait, then find nothing left to do.
_LOCK_NAME = "gpt_supporter_migrate"
_LOCK_TIMEOUT_SECONDS = 300


def alembic_config(database_url: str) -> Config:
    cfg = Config(str(ROOT / "alembic.ini"))
    cfg.set_main_option("script_location", str(ROOT / "db" / "migrations"))
    cfg.attributes["database_url"] = normalize_url(database_url)
    return cfg


def _upgrade(connection: Connection, cfg: Config, revision: str) -> None:
    cfg.attributes["connection"] = connection
    command.upgrade(cfg, revision)


async def upgrade(database_url: str, revision: str = "head") -> None:
    cfg = alembic_config(database_url)
    engine = create_async_engine(normalize_url(database_url), poolclass=NullPool)
    try:
        async with engine.connect() as connection:
            mysql = connection.dialect.name in ("mysql", "mariadb")
            if mysql:
                got = await connection.scalar(
                    text("SELECT GET_LOCK(:name, :timeout)"),
                    {"name": _LOCK_NAME, "timeout": _LOCK_TIMEOUT_SECONDS},
                )
                if got != 1:
                    raise RuntimeError("another migration held the lock for too long")
            try:
                await connection.run_sync(_upgrade, cfg, revision)
                await connection.commit()
            finally:
                if mysql:
                    await connection.execute(
                        text("SELECT RELEASE_LOCK(:name)"), {"name": _LOCK_NAME}
                    )
    finally:
        await engine.dispose()


def upgrade_sync(database_url: str, revision: str = "head") -> None:
    asyncio.run(upgrade(database_url, revision))
