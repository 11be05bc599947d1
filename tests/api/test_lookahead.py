"""A page reads what its nodes load from their parts with it (schema/lookahead.py), so no
node field awaits a batch: the tasks a request costs do not grow with the page."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from services import Services
from tests.api.test_link_columns import columns_of, link_reads
from tests.api.test_loaders import seed_system_infos
from tests.data_api import seed_datas, seed_public_scripts, stamps, user_pk
from tests.utils import Account, GraphQLClient, assert_no_errors, count_statements

LINKS_PAGE = """
query Links($first: Int) {
  systemInfos(first: $first) {
    edges { node { id refBooks { title } refDatas { title content } } }
  }
}
"""
SCRIPTS_PAGE = """
query Scripts($first: Int) {
  publicScripts(first: $first) { edges { node { id scripts { number text } } } }
}
"""
CONTENTS_PAGE = """
query Contents($first: Int) { refDatas(first: $first) { edges { node { title content } } } }
"""
# Through a named fragment, an inline fragment and an alias: still read with the page.
SPREAD_PAGE = """
fragment Books on SystemInfo { refBooks { author } }
query Spread($first: Int) {
  systemInfos(first: $first) {
    edges { node { ...Books ... on SystemInfo { titles: refBooks { title } } } }
  }
}
"""
SKIPPED = """
query Skipped($first: Int, $skip: Boolean!) {
  systemInfos(first: $first) { edges { node { id refBooks @skip(if: $skip) { title } } } }
}
"""
ONE = """
query One($id: ID!) { systemInfo(id: $id) { refBooks { title } refDatas { title } } }
"""


@contextmanager
def count_tasks() -> Iterator[list[Any]]:
    """The tasks the running loop starts while active (gather and ensure_future included)."""
    loop = asyncio.get_running_loop()
    started: list[Any] = []
    create_task = loop.create_task

    def counting(coro: Any, **kwargs: Any) -> Any:
        started.append(coro)
        return create_task(coro, **kwargs)

    loop.create_task = counting  # type: ignore[method-assign]
    try:
        yield started
    finally:
        del loop.create_task


async def cost(
    gql: GraphQLClient, services: Services, document: str, variables: dict[str, Any], token: Any
) -> tuple[dict[str, Any], int, int]:
    """The answer, the statements and the tasks one request cost."""
    with count_statements(services.engine) as counter, count_tasks() as tasks:
        body = assert_no_errors(await gql(document, variables, token=token))
    return body, counter.count, len(tasks)


async def test_a_page_of_links_costs_the_same_tasks_for_2_and_8(
    gql: GraphQLClient, owner: Account, services: Services
) -> None:
    # given 8 SystemInfos, each linking 5 books and 5 materials
    expected = await seed_system_infos(services, user_pk(owner), 8)
    # when a page of 2 and a page of 8 list both links with the materials' contents
    small, small_sql, small_tasks = await cost(gql, services, LINKS_PAGE, {"first": 2}, owner.token)
    large, large_sql, large_tasks = await cost(gql, services, LINKS_PAGE, {"first": 8}, owner.token)
    # then each node has its own links, in link order
    nodes = [edge["node"] for edge in large["systemInfos"]["edges"]]
    assert [[b["title"] for b in n["refBooks"]] for n in nodes] == [
        [b["title"] for b in e["refBooks"]] for e in expected
    ]
    assert [n["refDatas"] for n in nodes] == [e["refDatas"] for e in expected]
    assert len(small["systemInfos"]["edges"]) == 2
    # and the page, the two links and the contents cost the same whatever its size, with no
    # task per node (it was 3 per node: each link field and the node awaited a batch)
    assert small_sql == large_sql == 4
    assert small_tasks == large_tasks


async def test_public_scripts_and_contents_are_read_with_their_page(
    gql: GraphQLClient, owner: Account, services: Services
) -> None:
    # given public scripts and materials
    await seed_public_scripts(services, stamps(6), scripts_each=3)
    await seed_datas(services, user_pk(owner), stamps(6))
    for document, token in ((SCRIPTS_PAGE, None), (CONTENTS_PAGE, owner.token)):
        # when a page of 2 and of 6 is read with what each node keeps apart
        _, small_sql, small_tasks = await cost(gql, services, document, {"first": 2}, token)
        large, large_sql, large_tasks = await cost(gql, services, document, {"first": 6}, token)
        # then the page and its part cost two statements and no task per node
        assert (small_sql, large_sql) == (2, 2), document
        assert small_tasks == large_tasks, document
        edges = next(iter(large.values()))["edges"]
        assert len(edges) == 6
        assert all(edge["node"].get("scripts", edge["node"].get("content")) for edge in edges)


async def test_fragments_and_aliases_are_read_with_the_page_in_one_statement(
    gql: GraphQLClient, owner: Account, services: Services
) -> None:
    # given SystemInfos linking books
    expected = await seed_system_infos(services, user_pk(owner), 4)
    # when the books come through a fragment and an aliased inline fragment
    body, statements, _ = await cost(gql, services, SPREAD_PAGE, {"first": 4}, owner.token)
    # then the page and one statement with both selections' columns answer both
    assert statements == 2
    nodes = [edge["node"] for edge in body["systemInfos"]["edges"]]
    assert [[b["title"] for b in n["titles"]] for n in nodes] == [
        [b["title"] for b in e["refBooks"]] for e in expected[:4]
    ]
    assert all(b["author"].startswith("book-author-") for n in nodes for b in n["refBooks"])


async def test_a_skipped_link_is_not_answered_and_an_included_one_is(
    gql: GraphQLClient, owner: Account, services: Services
) -> None:
    # given SystemInfos linking books
    expected = await seed_system_infos(services, user_pk(owner), 2)
    # when the link is skipped, then included
    skipped = assert_no_errors(await gql(SKIPPED, {"first": 2, "skip": True}, token=owner.token))
    kept = assert_no_errors(await gql(SKIPPED, {"first": 2, "skip": False}, token=owner.token))
    # then the skipped one is absent and the included one is whole
    assert all(set(e["node"]) == {"id"} for e in skipped["systemInfos"]["edges"])
    assert [[b["title"] for b in e["node"]["refBooks"]] for e in kept["systemInfos"]["edges"]] == [
        [b["title"] for b in e["refBooks"]] for e in expected[:2]
    ]


async def test_links_of_an_object_read_by_id_are_read_with_it(
    gql: GraphQLClient, owner: Account, services: Services
) -> None:
    # given a SystemInfo linking books and materials
    (expected,) = await seed_system_infos(services, user_pk(owner), 1)
    # when it is read by id
    body, statements, _ = await cost(gql, services, ONE, {"id": expected["id"]}, owner.token)
    # then its links are read with it: the object, then one statement per link
    assert statements == 3
    assert [b["title"] for b in body["systemInfo"]["refBooks"]] == [
        b["title"] for b in expected["refBooks"]
    ]
    assert body["systemInfo"]["refDatas"] == [{"title": d["title"]} for d in expected["refDatas"]]


BARE = """
query Bare($id: ID!) { systemInfo(id: $id) { id major } }
"""
DIALOGUE = """
query Dialogue($id: ID!) { systemInfo(id: $id) { id major generatedDialogue } }
"""


async def test_a_dialogue_read_by_id_reads_what_it_needs_with_the_object(
    gql: GraphQLClient, owner: Account, services: Services
) -> None:
    # given a SystemInfo linking 5 books and 5 materials
    (expected,) = await seed_system_infos(services, user_pk(owner), 1)
    variables = {"id": expected["id"]}
    # when it is read by id without and with its dialogue
    _, _, bare_tasks = await cost(gql, services, BARE, variables, owner.token)
    with count_statements(services.engine) as counter, count_tasks() as tasks:
        body = assert_no_errors(await gql(DIALOGUE, variables, token=owner.token))
    # then the dialogue is the stored one, and it cost the object, the books' authors and
    # titles, the materials' titles and their contents: no loader batch, no task more
    assert body["systemInfo"]["generatedDialogue"] == expected["generatedDialogue"]
    assert counter.count == 4
    assert len(tasks) == bare_tasks
    (books,) = link_reads(counter.statements, "ref_book")
    (datas,) = link_reads(counter.statements, "ref_data")
    assert columns_of(books, "ref_book") == {"id", "author", "title"}
    assert columns_of(datas, "ref_data") == {"id", "title"}


# Three pages at once: while `x` waits for its statement, `z` holds the same links with
# fewer columns; `x`'s contents must still be read for the rows `x` got.
SIBLINGS = """
query Siblings {
  y: systemInfos(first: 2) { edges { node { refDatas { title createdAt } } } }
  x: systemInfos(first: 3) { edges { node { refBooks { title } refDatas { title content } } } }
  z: systemInfos(first: 2) { edges { node { refDatas { createdAt } } } }
}
"""
NODE = """
query Node($id: ID!) {
  node(id: $id) { ... on SystemInfo { refBooks { title } refDatas { title content } } }
}
"""


async def test_sibling_pages_reading_the_same_links_with_other_columns_all_answer(
    gql: GraphQLClient, owner: Account, services: Services
) -> None:
    # given SystemInfos linking materials with contents
    expected = await seed_system_infos(services, user_pk(owner), 4)
    # when three aliased pages read overlapping links with different columns
    data = assert_no_errors(await gql(SIBLINGS, token=owner.token))
    # then each has what it asked for
    x = [edge["node"] for edge in data["x"]["edges"]]
    assert [n["refDatas"] for n in x] == [e["refDatas"] for e in expected[:3]]
    y = [edge["node"] for edge in data["y"]["edges"]]
    assert [[d["title"] for d in n["refDatas"]] for n in y] == [
        [d["title"] for d in e["refDatas"]] for e in expected[:2]
    ]
    z = [edge["node"] for edge in data["z"]["edges"]]
    assert [n["refDatas"] for n in z] == [
        [{"createdAt": d["createdAt"]} for d in n["refDatas"]] for n in y
    ]


async def test_a_node_read_by_global_id_loads_its_links_through_the_loaders(
    gql: GraphQLClient, owner: Account, services: Services
) -> None:
    # given a SystemInfo linking books and materials
    (expected,) = await seed_system_infos(services, user_pk(owner), 1)
    # when it is read through node(id:), which the lookahead does not see
    body, statements, _ = await cost(gql, services, NODE, {"id": expected["id"]}, owner.token)
    # then the loaders answer: the caller (node() looks it up), the object, each link, the
    # contents
    assert statements == 5
    assert body["node"]["refDatas"] == expected["refDatas"]
