"""Database down: requests fail fast with SERVICE_UNAVAILABLE, /readyz says so, and the
service recovers by itself when the database is back. On a throwaway MariaDB of its own."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Iterator
from dataclasses import dataclass, field

import pytest

from db.migrate import upgrade
from settings import Settings
from tests.hardening import App, app_with, leaks_internals
from tests.mariadb import ThrowawayMariaDB
from tests.utils import assert_no_errors, sign_up_and_in

pytestmark = pytest.mark.mysql_only
log = logging.getLogger(__name__)

ME = "query Me { me { id username } }"
BOOKS = "query Books { refBooks(first: 5) { edges { node { title } } } }"
CREATE_BOOK = """
mutation CreateBook($input: CreateRefBookInput!) { createRefBook(input: $input) { id } }
"""
# Far above the few seconds a failing request may take; only there to catch a hang.
HANG = 15.0


@pytest.fixture(scope="module")
def mariadb() -> Iterator[ThrowawayMariaDB]:
    server = ThrowawayMariaDB()
    try:
        server.start()
        server.execute("CREATE DATABASE gpts CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci")
        yield server
    finally:
        server.remove()


@dataclass
class Outcomes:
    codes: list[str] = field(default_factory=list)
    slowest: float = 0.0


async def hammer(app: App, token: str, stop: asyncio.Event, seen: Outcomes) -> None:
    """Requests one after another until told to stop, recording what each got."""
    while not stop.is_set():
        for document in (ME, BOOKS):
            started = time.monotonic()
            response = await app.http.post(
                "/graphql", json={"query": document}, headers=bearer(token)
            )
            seen.slowest = max(seen.slowest, time.monotonic() - started)
            assert response.status_code == 200, response.text
            assert not leaks_internals(response.text), response.text
            errors = response.json().get("errors")
            seen.codes.append(errors[0]["extensions"]["code"] if errors else "OK")
        await asyncio.sleep(0.01)


def bearer(token: str) -> dict[str, str]:
    return {"authorization": f"Bearer {token}"}


async def test_database_down_fails_fast_and_recovers(
    mariadb: ThrowawayMariaDB, settings: Settings, capsys: pytest.CaptureFixture[str]
) -> None:
    url = mariadb.url("gpts")
    await upgrade(url)
    async with app_with(settings, database_url=url, db_connect_timeout_seconds=2) as app:
        # given a user with a book, and requests running
        user = await sign_up_and_in(app.gql, "rita")
        assert_no_errors(
            await app.gql(
                CREATE_BOOK, {"input": {"author": "A", "title": "Kept"}}, token=user.token
            )
        )
        stop, seen = asyncio.Event(), Outcomes()
        load = asyncio.create_task(hammer(app, user.token, stop, seen))
        await asyncio.sleep(0.3)
        assert "OK" in seen.codes

        # when the database dies under them
        mariadb.kill()
        before, deadline = len(seen.codes), time.monotonic() + HANG
        while len(seen.codes) < before + 20:
            assert time.monotonic() < deadline, "requests stopped being answered"
            assert not load.done(), load.exception()
            await asyncio.sleep(0.05)
        down = seen.codes[before:]
        # then each request is answered, as SERVICE_UNAVAILABLE, quickly
        assert down[-10:] == ["SERVICE_UNAVAILABLE"] * 10, down
        assert set(down) <= {"OK", "SERVICE_UNAVAILABLE"}, down
        assert seen.slowest < HANG
        ready = await app.http.get("/readyz")
        assert ready.status_code == 503
        assert ready.json()["status"] == "unavailable"

        # when the database comes back
        mariadb.start()
        back_at = time.monotonic()
        recovered_at = None
        while recovered_at is None and time.monotonic() - back_at < HANG:
            if seen.codes[-1] == "OK":
                recovered_at = time.monotonic()
            await asyncio.sleep(0.01)
        stop.set()
        await asyncio.wait_for(load, HANG)

        # then it serves again by itself, reports ready, and has the data it had
        assert recovered_at is not None, seen.codes[-10:]
        ready = await app.http.get("/readyz")
        assert ready.status_code == 200, ready.text
        books = assert_no_errors(await app.gql(BOOKS, token=user.token))
        assert [edge["node"]["title"] for edge in books["refBooks"]["edges"]] == ["Kept"]
    recovery = recovered_at - back_at
    assert set(seen.codes) <= {"OK", "SERVICE_UNAVAILABLE"}
    with capsys.disabled():
        print(
            f"\ndatabase faults: {len(seen.codes)} requests, "
            f"{seen.codes.count('SERVICE_UNAVAILABLE')} SERVICE_UNAVAILABLE while down, "
            f"slowest answer {seen.slowest:.3f} s; "
            f"serving again {recovery:.3f} s after the database answered"
        )
    log.warning("database recovery measured: %.3f s", recovery)
