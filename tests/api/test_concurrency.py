"""Concurrent writes on MariaDB through `uvicorn --workers 2`: one winner per username,
link lists replaced whole, no create lost; deadlocks retried within bounds."""

from __future__ import annotations

import asyncio
import itertools
from collections import Counter
from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx
import pytest
from sqlalchemy import text

from db.transaction import run_in_transaction
from resolvers.ids import pk_of
from tests.documents import SIGN_IN, SIGN_UP
from tests.hardening import leaks_internals
from tests.servers import Server, start_server

pytestmark = pytest.mark.mysql_only

PASSWORD = "correct-horse-1"
CREATE_BOOK = """
mutation CreateBook($input: CreateRefBookInput!) { createRefBook(input: $input) { id } }
"""
CREATE_INFO = """
mutation CreateInfo($input: CreateSystemInfoInput!) {
  createSystemInfo(input: $input) { id refBooks { id } }
}
"""
UPDATE_INFO = """
mutation UpdateInfo($id: ID!, $input: UpdateSystemInfoInput!) {
  updateSystemInfo(id: $id, input: $input) { id refBooks { id } }
}
"""
READ_INFO = "query Info($id: ID!) { systemInfo(id: $id) { refBooks { id } } }"
COUNTS = """
query Counts {
  refBooks(first: 100) { totalCount edges { node { id } } }
  systemInfos(first: 100) { totalCount edges { node { id refBooks { id } } } }
}
"""
HEALTH = "/healthz"
LOCK = "SELECT id FROM ref_book WHERE id = :id FOR UPDATE"


@pytest.fixture(scope="module")
def workers(migrated_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """One uvicorn with two worker processes on the suite's MariaDB database."""
    server = start_server(
        migrated_url,
        tmp_path_factory.mktemp("workers"),
        {"sign_ups_per_address": 100_000, "sign_in_failures_per_address": 100_000},
        workers=2,
    )
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
async def client() -> AsyncIterator[httpx.AsyncClient]:
    # Fresh connections for every request, so the kernel spreads them over both workers.
    limits = httpx.Limits(max_connections=40, max_keepalive_connections=0)
    async with httpx.AsyncClient(timeout=60, limits=limits) as http:
        yield http


class Caller:
    def __init__(self, http: httpx.AsyncClient, server: Server) -> None:
        self.http = http
        self.url = f"{server.url}/graphql"
        self.token: str | None = None
        self.pids: set[int] = set()

    async def __call__(self, query: str, variables: dict[str, Any]) -> dict[str, Any]:
        headers = {"authorization": f"Bearer {self.token}"} if self.token else {}
        response = await self.http.post(
            self.url, json={"query": query, "variables": variables}, headers=headers
        )
        # never a 5xx, never a traceback or SQL
        assert response.status_code == 200, response.text
        assert not leaks_internals(response.text), response.text
        body: dict[str, Any] = response.json()
        return body

    async def sign_up_and_in(self, username: str) -> None:
        account = {"username": username, "email": f"{username}@example.com", "password": PASSWORD}
        assert "errors" not in await self(SIGN_UP, {"input": account})
        body = await self(SIGN_IN, {"input": {"username": username, "password": PASSWORD}})
        self.token = body["data"]["signIn"]["accessToken"]

    async def worker_pids(self, server: Server, probes: int = 20, rounds: int = 10) -> set[int]:
        """The pids that answer /healthz over fresh connections: the kernel hands each new
        connection to whichever worker accepts first, so probe in rounds until all show up."""
        pids: set[int] = set()
        close = {"connection": "close"}
        for _ in range(rounds):
            answers = await asyncio.gather(
                *(self.http.get(server.url + HEALTH, headers=close) for _ in range(probes))
            )
            pids |= {answer.json()["pid"] for answer in answers}
            if len(pids) >= server.workers:
                break
        return pids


def outcome(body: dict[str, Any]) -> str:
    errors = body.get("errors")
    return str(errors[0]["extensions"]["code"]) if errors else "OK"


def retries_logged(server: Server) -> int:
    return server.output().count("transaction retry")


def report(capsys: pytest.CaptureFixture[str], what: str, outcomes: Counter[str], retries: int):
    with capsys.disabled():
        print(f"\nconcurrency, {what}: {dict(outcomes)}; deadlock retries logged: {retries}")


async def test_twenty_sign_ups_with_one_username_make_one_account(
    workers: Server, client: httpx.AsyncClient, services: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    caller = Caller(client, workers)
    retries_before = retries_logged(workers)
    # when 20 sign-ups with one username (and 20 different emails) arrive at once
    bodies = await asyncio.gather(
        *(
            caller(
                SIGN_UP,
                {
                    "input": {
                        "username": "Samesame",
                        "email": f"same{number}@example.com",
                        "password": PASSWORD,
                    }
                },
            )
            for number in range(20)
        )
    )
    outcomes = Counter(outcome(body) for body in bodies)
    report(capsys, "20 sign-ups, one username", outcomes, retries_logged(workers) - retries_before)
    # then exactly one account is made, and every other caller is told the name is taken
    assert outcomes == {"OK": 1, "BAD_USER_INPUT": 19}, outcomes
    for body in bodies:
        if outcome(body) == "BAD_USER_INPUT":
            assert "username" in body["errors"][0]["extensions"]["fields"]
    # and both worker processes were there to take them
    assert len(await caller.worker_pids(workers)) == 2


async def test_concurrent_link_replacements_leave_one_whole_list(
    workers: Server, client: httpx.AsyncClient, services: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    # given a user with eight books and a SystemInfo linking none
    caller = Caller(client, workers)
    await caller.sign_up_and_in("linker")
    books = [
        (await caller(CREATE_BOOK, {"input": {"author": "A", "title": f"B{n}"}}))["data"][
            "createRefBook"
        ]["id"]
        for n in range(8)
    ]
    info = (
        await caller(
            CREATE_INFO, {"input": {"language": "EN", "major": "CS", "understandingLevel": 3}}
        )
    )["data"]["createSystemInfo"]["id"]
    # when 12 callers replace its links at once, each with its own ordered list
    lists = [list(p) for p in itertools.islice(itertools.permutations(books, 5), 0, 12 * 97, 97)]
    assert len({tuple(ids) for ids in lists}) == 12
    retries_before = retries_logged(workers)
    bodies = await asyncio.gather(
        *(caller(UPDATE_INFO, {"id": info, "input": {"refBookIds": ids}}) for ids in lists)
    )
    outcomes = Counter(outcome(body) for body in bodies)
    report(capsys, "12 link replacements", outcomes, retries_logged(workers) - retries_before)
    # then each caller saw a whole list (its own, or a later caller's: the payload is read
    # after the commit), never a mix
    assert set(outcomes) <= {"OK", "SERVICE_UNAVAILABLE"}, outcomes
    for body in bodies:
        if outcome(body) == "OK":
            assert [b["id"] for b in body["data"]["updateSystemInfo"]["refBooks"]] in lists
    # and what remains is exactly one caller's list, never a mix
    final = [
        b["id"] for b in (await caller(READ_INFO, {"id": info}))["data"]["systemInfo"]["refBooks"]
    ]
    winners = [ids for ids, body in zip(lists, bodies, strict=True) if outcome(body) == "OK"]
    assert final in winners, final


async def test_concurrent_creates_lose_nothing(
    workers: Server, client: httpx.AsyncClient, services: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    caller = Caller(client, workers)
    await caller.sign_up_and_in("maker")
    seed = [
        (await caller(CREATE_BOOK, {"input": {"author": "S", "title": f"S{n}"}}))["data"][
            "createRefBook"
        ]["id"]
        for n in range(3)
    ]
    retries_before = retries_logged(workers)
    # when 20 books and 20 SystemInfos linking the same books are created at once
    book_calls = [
        caller(CREATE_BOOK, {"input": {"author": "C", "title": f"C{n}"}}) for n in range(20)
    ]
    info_calls = [
        caller(
            CREATE_INFO,
            {
                "input": {
                    "language": "KO",
                    "major": f"M{n}",
                    "understandingLevel": 1 + n % 5,
                    "refBookIds": seed[n % 3 :] + seed[: n % 3],
                }
            },
        )
        for n in range(20)
    ]
    bodies = await asyncio.gather(*book_calls, *info_calls)
    outcomes = Counter(outcome(body) for body in bodies)
    report(capsys, "40 creates", outcomes, retries_logged(workers) - retries_before)
    assert set(outcomes) <= {"OK", "SERVICE_UNAVAILABLE"}, outcomes
    made_books = {b["data"]["createRefBook"]["id"] for b in bodies[:20] if outcome(b) == "OK"}
    made_infos = {
        b["data"]["createSystemInfo"]["id"]: [
            x["id"] for x in b["data"]["createSystemInfo"]["refBooks"]
        ]
        for b in bodies[20:]
        if outcome(b) == "OK"
    }
    # then every success is there, with its links, and the counts match
    counts = (await caller(COUNTS, {}))["data"]
    assert counts["refBooks"]["totalCount"] == len(made_books) + 3
    assert made_books <= {e["node"]["id"] for e in counts["refBooks"]["edges"]}
    assert counts["systemInfos"]["totalCount"] == len(made_infos)
    stored = {
        e["node"]["id"]: [b["id"] for b in e["node"]["refBooks"]]
        for e in counts["systemInfos"]["edges"]
    }
    assert stored == made_infos


async def test_a_deadlock_loser_is_retried_within_bounds(
    services: Any, alice: Any, gql: Any
) -> None:
    # given two books, and two transactions that lock them in opposite orders
    ids: list[int] = []
    for title in ("first", "second"):
        body = await gql(CREATE_BOOK, {"input": {"author": "D", "title": title}}, token=alice.token)
        pk = pk_of(body["data"]["createRefBook"]["id"], "RefBook")
        assert pk is not None
        ids.append(pk)
    attempts: Counter[str] = Counter()

    def locking(name: str, order: list[int], both_hold_one: asyncio.Barrier) -> Any:
        async def work(session: Any) -> str:
            attempts[name] += 1
            await session.execute(text(LOCK), {"id": order[0]})
            if attempts[name] == 1:
                await both_hold_one.wait()
            await session.execute(text(LOCK), {"id": order[1]})
            return name

        return work

    # when they run at once, InnoDB picks one as the deadlock victim (1213)
    barrier = asyncio.Barrier(2)
    results = await asyncio.gather(
        run_in_transaction(services.sessions, locking("a", ids, barrier), retries=3),
        run_in_transaction(services.sessions, locking("b", ids[::-1], barrier), retries=3),
    )
    # then the victim ran again and both committed: three attempts for two transactions
    assert sorted(results) == ["a", "b"]
    assert sorted(attempts.values()) == [1, 2], attempts

    # and with no retries allowed the loser gives up as "retry later", not a crash
    attempts.clear()
    barrier = asyncio.Barrier(2)
    outcomes = await asyncio.gather(
        run_in_transaction(services.sessions, locking("a", ids, barrier), retries=0),
        run_in_transaction(services.sessions, locking("b", ids[::-1], barrier), retries=0),
        return_exceptions=True,
    )
    assert sorted(type(o).__name__ for o in outcomes) == ["TransactionRetriesExhausted", "str"]
