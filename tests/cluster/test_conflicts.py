"""Certification conflicts: two nodes write the same rows, the loser gets 1213 at COMMIT and
the service retries it a bounded number of times."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from db.engine import SessionFactory, create_engine, create_session_factory
from db.transaction import TransactionRetriesExhausted, run_in_transaction
from resolvers.ids import pk_of
from settings import Settings
from tests.cluster.cluster import MEASURED, NODE_PORTS, Cluster, connect, node_url
from tests.cluster.documents import CREATE_SYSTEM_INFO, SYSTEM_INFO, UPDATE_SYSTEM_INFO, create_book
from tests.type_names import SYSTEM_INFO as SYSTEM_INFO_TYPE
from tests.type_names import USER
from tests.utils import GraphQLClient, assert_no_errors, sign_up_and_in

pytestmark = pytest.mark.cluster

ROUNDS = 8
SIGN_UPS = 20


@pytest.fixture
async def node1_sessions(cluster: Cluster) -> AsyncIterator[SessionFactory]:
    """The service's own engine and sessions, on node 1, over a one-row table."""
    with connect(NODE_PORTS[1], cluster.database) as conn, conn.cursor() as cur:
        cur.execute("CREATE TABLE contested (id BIGINT PRIMARY KEY, v INT NOT NULL)")
        cur.execute("INSERT INTO contested VALUES (1, 0)")
    settings = Settings(database_url=node_url(NODE_PORTS[1], cluster.database), secret_key="k" * 40)
    engine = create_engine(settings)
    try:
        yield create_session_factory(engine)
    finally:
        await engine.dispose()
        with connect(NODE_PORTS[1], cluster.database) as conn, conn.cursor() as cur:
            cur.execute("DROP TABLE contested")


def _commit_on_node2(cluster: Cluster, value: int) -> None:
    with connect(NODE_PORTS[2], cluster.database) as conn, conn.cursor() as cur:
        cur.execute("UPDATE contested SET v = %s WHERE id = 1", (value,))


async def test_a_lost_certification_is_retried(
    cluster: Cluster, node1_sessions: SessionFactory, caplog: pytest.LogCaptureFixture
) -> None:
    attempts = 0

    async def work(session: AsyncSession) -> int:
        nonlocal attempts
        attempts += 1
        await session.execute(text("UPDATE contested SET v = :v WHERE id = 1"), {"v": attempts})
        if attempts == 1:
            # node 2 commits a change of the same row before node 1 commits
            _commit_on_node2(cluster, -1)
        return attempts

    # when node 1's transaction commits after node 2's on the same row
    with caplog.at_level(logging.WARNING, logger="db.transaction"):
        done = await run_in_transaction(node1_sessions, work, retries=3)

    # then it lost certification once (1213), ran again, and its second run is everywhere
    assert done == 2
    assert any("1213" in record.getMessage() for record in caplog.records)
    assert cluster.on_every_node("SELECT v FROM contested") == {1: [(2,)], 2: [(2,)], 3: [(2,)]}


async def test_certification_retries_are_bounded(
    cluster: Cluster, node1_sessions: SessionFactory
) -> None:
    attempts = 0

    async def work(session: AsyncSession) -> None:
        nonlocal attempts
        attempts += 1
        await session.execute(text("UPDATE contested SET v = 100 WHERE id = 1"))
        _commit_on_node2(cluster, -attempts)  # node 2 always wins

    # when every attempt loses
    with pytest.raises(TransactionRetriesExhausted):
        await run_in_transaction(node1_sessions, work, retries=2)

    # then it gave up after the first run and two retries; node 2's last write stands
    assert attempts == 3
    assert cluster.on_every_node("SELECT v FROM contested") == {1: [(-3,)], 2: [(-3,)], 3: [(-3,)]}


def _ids(links: list[dict[str, str]]) -> list[str]:
    return [link["id"] for link in links]


async def test_concurrent_system_info_updates_on_two_nodes_leave_one_complete_list(
    cluster: Cluster, via_node1: GraphQLClient, via_node2: GraphQLClient, via_proxy: GraphQLClient
) -> None:
    # given a SystemInfo and six books
    account = await sign_up_and_in(via_proxy)
    books = [(await create_book(via_proxy, account.token, f"B{i}"))["id"] for i in range(6)]
    info = assert_no_errors(
        await via_proxy(
            CREATE_SYSTEM_INFO,
            {"input": {"language": "EN", "major": "Physics", "understandingLevel": 3}},
            token=account.token,
        )
    )["createSystemInfo"]["id"]
    retries_before = cluster.retries_logged()
    unavailable = 0
    tok = account.token

    for round_ in range(ROUNDS):
        first, second = books[:3], books[:2:-1]
        if round_ % 2:
            first, second = second, first

        # when node 1 and node 2 replace the link list at the same moment
        answers = await asyncio.gather(
            via_node1(UPDATE_SYSTEM_INFO, {"id": info, "input": {"refBookIds": first}}, tok),
            via_node2(UPDATE_SYSTEM_INFO, {"id": info, "input": {"refBookIds": second}}, tok),
        )

        # then each caller got its own list back, or (retries exhausted) SERVICE_UNAVAILABLE
        for answer, wanted in zip(answers, (first, second), strict=True):
            if "errors" in answer:
                assert answer["errors"][0]["extensions"]["code"] == "SERVICE_UNAVAILABLE", answer
                unavailable += 1
            else:
                assert _ids(answer["data"]["updateSystemInfo"]["refBooks"]) == wanted
        # and every node and service shows exactly one caller's complete list, the same one
        seen = [
            _ids(assert_no_errors(await gql(SYSTEM_INFO, {"id": info}, account.token))["systemInfo"]["refBooks"])  # noqa: E501
            for gql in (via_node1, via_node2, via_proxy)
        ]  # fmt: skip
        assert seen[0] in (first, second), seen
        assert seen == [seen[0]] * 3
        rows = cluster.on_every_node(
            "SELECT ref_book_id FROM system_info_ref_book WHERE system_info_id = %s"
            " ORDER BY position",
            (pk_of(info, SYSTEM_INFO_TYPE),),
        )
        assert len({tuple(r) for r in rows.values()}) == 1, rows
        assert len(rows[1]) == 3

    retries = cluster.retries_logged() - retries_before
    MEASURED["updateSystemInfo on two nodes: certification retries"] = (
        f"{retries} in {ROUNDS} rounds of 2 simultaneous updates, {unavailable} gave up"
    )


async def test_simultaneous_sign_ups_of_one_name_over_the_nodes_make_one_account(
    cluster: Cluster, via_node1: GraphQLClient, via_node2: GraphQLClient, via_proxy: GraphQLClient
) -> None:
    clients = [via_node1, via_node2, via_proxy]
    retries_before = cluster.retries_logged()

    # when 20 clients sign up the same username at once, spread over the nodes
    async def sign_up(i: int) -> dict[str, Any]:
        return await clients[i % 3](
            "mutation($input: SignUpInput!) { signUp(input: $input) { id } }",
            {"input": {"username": "grace", "email": f"grace{i}@example.com",
                       "password": "correct-horse-1"}},
        )  # fmt: skip

    answers = await asyncio.gather(*(sign_up(i) for i in range(SIGN_UPS)))

    # then exactly one succeeds; every other one is told the name is taken (or to retry)
    winners = [answer for answer in answers if "errors" not in answer]
    assert len(winners) == 1, answers
    codes = [answer["errors"][0]["extensions"]["code"] for answer in answers if "errors" in answer]
    assert set(codes) <= {"BAD_USER_INPUT", "SERVICE_UNAVAILABLE"}, answers
    assert codes.count("BAD_USER_INPUT") >= SIGN_UPS - 1 - codes.count("SERVICE_UNAVAILABLE")
    # and every node holds that one account
    user_pk = pk_of(winners[0]["data"]["signUp"]["id"], USER)
    rows = cluster.on_every_node("SELECT id FROM `user` WHERE username_key = 'grace'")
    assert rows == {1: [(user_pk,)], 2: [(user_pk,)], 3: [(user_pk,)]}
    MEASURED["20 sign-ups of one name: retries, BAD_USER_INPUT, SERVICE_UNAVAILABLE"] = (
        f"{cluster.retries_logged() - retries_before}, {codes.count('BAD_USER_INPUT')}, "
        f"{codes.count('SERVICE_UNAVAILABLE')}"
    )
