"""Quorum lost: two of three nodes die, the last one refuses queries (error 1047, non-Primary).
The service on it answers SERVICE_UNAVAILABLE, never INTERNAL_SERVER_ERROR and never hangs,
and serves again, unrestarted, once the node is bootstrapped and the others rejoin."""

from __future__ import annotations

import asyncio
import time

import pytest

from tests.cluster.cluster import MEASURED, NODE_PORTS, Cluster, cluster_size, galera, query
from tests.cluster.documents import CREATE_REF_BOOK, REF_BOOKS, create_book
from tests.utils import GraphQLClient, assert_error_code, assert_no_errors, sign_up_and_in

pytestmark = pytest.mark.cluster

DEADLINE = 15.0  # seconds to see the refusal, and then the recovery


def _heal() -> None:
    status = query(NODE_PORTS[1], None, "SHOW STATUS LIKE 'wsrep_cluster_status'")
    if status[0][1] != "Primary":
        query(NODE_PORTS[1], None, "SET GLOBAL wsrep_provider_options = 'pc.bootstrap=YES'")
    galera("start-node", "2")
    galera("start-node", "3")


async def _refusals(gql: GraphQLClient, token: str) -> float:
    """Seconds until node 1 refuses; reads and writes then answer SERVICE_UNAVAILABLE only."""
    killed_at = time.monotonic()
    while time.monotonic() - killed_at < DEADLINE:
        body = await gql(REF_BOOKS, {"first": 6}, token=token)
        if "errors" in body:
            assert_error_code(body, "SERVICE_UNAVAILABLE")
            refused_after = time.monotonic() - killed_at
            during = {"input": {"author": "A", "title": "During"}}
            assert_error_code(
                await gql(CREATE_REF_BOOK, during, token=token), "SERVICE_UNAVAILABLE"
            )
            return refused_after
        await asyncio.sleep(0.2)
    raise AssertionError("node 1 kept serving without quorum")


async def test_a_node_without_quorum_answers_unavailable_then_recovers(
    cluster: Cluster, via_node1: GraphQLClient
) -> None:
    # given an account and a book, served by the service on node 1
    account = await sign_up_and_in(via_node1)
    book = await create_book(via_node1, account.token, "Before")
    pid = cluster.node1.process.pid if cluster.node1.process else None

    # when nodes 2 and 3 die, leaving node 1 alone (non-Primary)
    await asyncio.to_thread(galera, "kill", "2")
    await asyncio.to_thread(galera, "kill", "3")
    try:
        refused_after = await _refusals(via_node1, account.token)
    finally:
        # node 1 becomes the new primary component and the others rejoin
        await asyncio.to_thread(_heal)

    # then it refused within seconds (reads and writes: SERVICE_UNAVAILABLE)
    assert refused_after < DEADLINE

    # and the same service process serves the data again, with the cluster back at 3
    page = assert_no_errors(await via_node1(REF_BOOKS, {"first": 6}, token=account.token))
    assert [edge["node"]["id"] for edge in page["refBooks"]["edges"]] == [book["id"]]
    await create_book(via_node1, account.token, "After")
    assert cluster.node1.process is not None and cluster.node1.process.pid == pid
    assert "Traceback" not in cluster.node1.log_text()
    assert {n: cluster_size(port) for n, port in NODE_PORTS.items()} == {1: 3, 2: 3, 3: 3}
    MEASURED["quorum lost: SERVICE_UNAVAILABLE after (s)"] = round(refused_after, 2)
