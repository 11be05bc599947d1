"""Writes through one Galera node are read through the others, and pages stay exact although
ids are not sequential across nodes (auto_increment_increment = 3, one offset per node)."""

from __future__ import annotations

import asyncio
from datetime import datetime

import pytest
from sqlalchemy import text

from db.engine import create_engine
from resolvers.ids import pk_of
from settings import Settings
from tests.cluster.cluster import NODE_PORTS, Cluster, connect, node_url
from tests.cluster.documents import REF_BOOKS, all_books, create_book
from tests.documents import SIGN_IN, SIGN_UP
from tests.type_names import REF_BOOK, USER
from tests.utils import GraphQLClient, assert_no_errors, sign_up_and_in

pytestmark = pytest.mark.cluster


def _order_key(book: dict[str, str]) -> tuple[datetime, int]:
    pk = pk_of(book["id"], REF_BOOK)
    assert pk is not None
    return datetime.fromisoformat(book["createdAt"]), pk


async def _spread_books(clients: list[GraphQLClient], token: str, count: int) -> list[dict]:
    """`count` books created at once, round-robin over `clients`; all must be acknowledged."""
    return list(
        await asyncio.gather(
            *(create_book(clients[i % len(clients)], token, f"Book {i}") for i in range(count))
        )
    )


async def test_a_write_through_one_node_is_read_back_through_another(
    cluster: Cluster, via_node1: GraphQLClient, via_node2: GraphQLClient, via_proxy: GraphQLClient
) -> None:
    # given an account signed up through node 1 and signed in through node 2
    password = "correct-horse-1"
    signed_up = assert_no_errors(
        await via_node1(
            SIGN_UP,
            {"input": {"username": "ada", "email": "ada@example.com", "password": password}},
        )
    )["signUp"]
    signed_in = assert_no_errors(
        await via_node2(SIGN_IN, {"input": {"username": "ada", "password": password}})
    )["signIn"]
    assert signed_in["user"]["id"] == signed_up["id"]
    token = signed_in["accessToken"]

    for writer, reader in ((via_node1, via_node2), (via_node2, via_node1), (via_node1, via_proxy)):
        # when a book is created through one node
        book = await create_book(writer, token, "Galera")
        # then the very next read through another node sees it
        page = assert_no_errors(await reader(REF_BOOKS, {"first": 6}, token=token))
        assert page["refBooks"]["edges"][0]["node"]["id"] == book["id"]

    # and the rows are on every node, under the id the API gave
    user_pk = pk_of(signed_up["id"], USER)
    counts = cluster.on_every_node("SELECT COUNT(*) FROM ref_book WHERE user_id = %s", (user_pk,))
    assert counts == {1: [(3,)], 2: [(3,)], 3: [(3,)]}


async def test_the_engine_reads_on_one_node_what_another_just_committed(cluster: Cluster) -> None:
    # given the service's engine on node 2 and a plain connection on node 1
    engine = create_engine(
        Settings(database_url=node_url(NODE_PORTS[2], cluster.database), secret_key="k" * 40)
    )
    try:
        with connect(NODE_PORTS[1], cluster.database) as writer, writer.cursor() as cur:
            cur.execute("CREATE TABLE IF NOT EXISTS probe (id BIGINT PRIMARY KEY, n INT)")
            missed = 0
            async with engine.connect() as reader:
                for n in range(200):
                    # when node 1 commits a row
                    cur.execute("INSERT INTO probe (id, n) VALUES (%s, %s)", (n + 1, n))
                    # then node 2 reads it at once (without causal reads ~1 in 8 was missed)
                    seen = await reader.scalar(
                        text(f"SELECT COUNT(*) FROM probe WHERE id = {n + 1}")
                    )
                    await reader.rollback()
                    missed += seen != 1
            cur.execute("DROP TABLE probe")
        assert missed == 0
    finally:
        await engine.dispose()


async def test_every_acknowledged_write_is_on_every_node(
    cluster: Cluster, via_node1: GraphQLClient, via_node2: GraphQLClient, via_proxy: GraphQLClient
) -> None:
    # given an account
    account = await sign_up_and_in(via_proxy)

    # when 30 books are created at once through node 1, node 2 and HAProxy
    books = await _spread_books([via_node1, via_node2, via_proxy], account.token, 30)

    # then every node holds exactly the acknowledged rows
    acknowledged = sorted(_order_key(book)[1] for book in books)
    user_pk = pk_of(account.id, USER)
    on_nodes = cluster.on_every_node(
        "SELECT id FROM ref_book WHERE user_id = %s ORDER BY id", (user_pk,)
    )
    for node, rows in on_nodes.items():
        assert [row[0] for row in rows] == acknowledged, f"node {node}"


async def test_pages_are_exact_although_ids_are_not_sequential(
    via_node1: GraphQLClient, via_node2: GraphQLClient, via_proxy: GraphQLClient
) -> None:
    # given 14 books created at once through two nodes and HAProxy
    account = await sign_up_and_in(via_node1)
    books = await _spread_books([via_node1, via_node2, via_proxy], account.token, 14)
    pks = sorted(_order_key(book)[1] for book in books)
    # (each node hands out ids of its own residue modulo 3, so they are not consecutive)
    assert len({pk % 3 for pk in pks}) >= 2, pks
    assert pks[-1] - pks[0] + 1 > len(pks), pks
    newest_first = [book["id"] for book in sorted(books, key=_order_key, reverse=True)]

    # when the list is walked in pages of 4 through each service
    for gql in (via_node1, via_node2, via_proxy):
        walked = await all_books(gql, account.token, first=4)
        # then every row comes once, newest first
        assert [book["id"] for book in walked] == newest_first

    # when a cursor from node 1 is used on node 2 and through HAProxy, also after new rows
    first_page = assert_no_errors(await via_node1(REF_BOOKS, {"first": 4}, token=account.token))
    cursor = first_page["refBooks"]["pageInfo"]["endCursor"]
    expected_next = newest_first[4:8]
    await _spread_books([via_node2, via_proxy], account.token, 3)
    for gql in (via_node2, via_proxy, via_node1):
        page = assert_no_errors(
            await gql(REF_BOOKS, {"first": 4, "after": cursor}, token=account.token)
        )
        # then it names the same next page everywhere
        assert [edge["node"]["id"] for edge in page["refBooks"]["edges"]] == expected_next
        assert page["refBooks"]["totalCount"] == 17
