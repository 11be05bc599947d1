"""SQLite writers of every worker take turns on one lock file (db/transaction.py), so the
next writer starts when the last commits instead of sleeping in SQLite's busy handler."""

from __future__ import annotations

import asyncio
import fcntl
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from db.transaction import _lock_path, run_in_transaction
from services import Services
from tests.databases import is_mysql
from tests.utils import count_statements

pytestmark = pytest.mark.skipif(is_mysql(), reason="SQLite's single writer; MariaDB locks rows")


@pytest.fixture
def other_worker(services: Services) -> Iterator[Any]:
    """Holds the writers' lock file as another worker's writer would; `.release()` ends it."""
    path = f"{os.path.realpath(services.engine.url.database or '')}-writers.lock"
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    fcntl.flock(fd, fcntl.LOCK_EX)

    class Holder:
        held = True

        def release(self) -> None:
            if self.held:
                self.held = False
                os.close(fd)

    holder = Holder()
    yield holder
    holder.release()


async def _write(session: Any) -> int:
    return int((await session.execute(text("SELECT 1"))).scalar_one())


async def test_a_writer_waits_for_the_other_workers_writer(
    services: Services, other_worker: Any
) -> None:
    # Given another worker's writer holding the lock file
    with count_statements(services.engine) as counter:
        # When a writer of this worker starts
        writing = asyncio.create_task(run_in_transaction(services.sessions, _write))
        await asyncio.sleep(0.2)
        # Then it has not begun: no statement went to the database
        assert not writing.done()
        assert counter.statements == []
        # and once the other writer is done, it runs
        other_worker.release()
        assert await asyncio.wait_for(writing, 10) == 1
    assert counter.statements == ["SELECT 1"]


async def test_a_writer_cancelled_while_waiting_leaves_the_lock_free(
    services: Services, other_worker: Any
) -> None:
    # Given a writer waiting for another worker's writer
    waiting = asyncio.create_task(run_in_transaction(services.sessions, _write))
    await asyncio.sleep(0.1)
    # When it is cancelled (its deadline), and the other writer then finishes
    waiting.cancel()
    with pytest.raises(asyncio.CancelledError):
        await waiting
    other_worker.release()
    # Then the next writers of this worker still get their turns
    results = await asyncio.wait_for(
        asyncio.gather(*(run_in_transaction(services.sessions, _write) for _ in range(3))), 10
    )
    assert results == [1, 1, 1]


def test_every_spelling_of_the_database_path_shares_one_lock_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given one database file named relatively, absolutely and through a link
    (tmp_path / "real").mkdir()
    (tmp_path / "link").symlink_to(tmp_path / "real")
    monkeypatch.chdir(tmp_path)
    urls = [
        "sqlite+aiosqlite:///real/app.db",
        f"sqlite+aiosqlite:///{tmp_path}/real/app.db",
        f"sqlite+aiosqlite:///{tmp_path}/link/app.db",
    ]
    # (engines that never connect: nothing to dispose)
    engines = [create_async_engine(url) for url in urls]
    # Then the workers' writers all queue on the same file; memory databases on none
    expected = f"{os.path.realpath(tmp_path)}/real/app.db-writers.lock"
    assert {_lock_path(engine) for engine in engines} == {expected}
    assert _lock_path(create_async_engine("sqlite+aiosqlite://")) is None
