"""DataLoaders: a page of N objects with nested fields costs a constant number of statements."""

from __future__ import annotations

from typing import Any

from sqlalchemy import event, insert
from sqlalchemy.orm import ORMExecuteState, Session

from models import SystemInfo, SystemInfoRefBook, SystemInfoRefData
from resolvers.dialogue import Book, Material, render_dialogue
from resolvers.ids import pk_of, to_global_id
from services import Services
from tests.data_api import (
    insert_returning_ids,
    seed_books,
    seed_datas,
    seed_public_scripts,
    stamps,
    user_pk,
)
from tests.type_names import REF_BOOK, REF_DATA, SYSTEM_INFO
from tests.utils import Account, GraphQLClient, assert_no_errors, count_statements

SYSTEM_INFOS = """
query SystemInfos($first: Int) {
  systemInfos(first: $first) {
    edges { node {
      id major understandingLevel language dataSequence onlyUseReferenceData
      refBooks { title } refDatas { title content } generatedDialogue
    } }
  }
}
"""
PUBLIC_SCRIPTS = """
query PublicScripts($first: Int) {
  publicScripts(first: $first) { edges { node { id name scripts { number text } } } }
}
"""
# Measured on SQLite and MariaDB alike: the page (which also checks the token is current),
# the books, the materials and their contents. It must not grow with the page.
SYSTEM_INFO_PAGE_STATEMENTS = 4
# No token: the page and the scripts.
PUBLIC_SCRIPT_PAGE_STATEMENTS = 2
POOL = 25
LINKS = 5


def linked(index: int) -> list[int]:
    """Positions in the pools of the 5 objects SystemInfo `index` links, in link order."""
    chosen = [(index * 3 + k) % POOL for k in range(LINKS)]
    return chosen if index % 2 else list(reversed(chosen))


async def seed_system_infos(services: Services, owner: int, count: int) -> list[dict[str, Any]]:
    """`count` SystemInfos, each linking 5 of 25 books and 5 of 25 materials in its own order."""
    books = [pk_of(g, REF_BOOK) for g in await seed_books(services, owner, stamps(POOL))]
    datas = [pk_of(g, REF_DATA) for g in await seed_datas(services, owner, stamps(POOL))]
    created = stamps(count)
    rows = [
        {
            "user_id": owner,
            "description": f"profile {i}",
            "language": "KO" if i % 2 else "EN",
            "major": f"major-{i}",
            "understanding_level": i % 5 + 1,
            "only_use_reference_data": i % 3 == 0,
            "data_sequence": i % 4 == 0,
            "created_at": at,
            "updated_at": at,
        }
        for i, at in enumerate(created)
    ]
    async with services.sessions.begin() as session:
        info_pks = await insert_returning_ids(session, SystemInfo, rows)
        for link, column, pool in (
            (SystemInfoRefBook, "ref_book_id", books),
            (SystemInfoRefData, "ref_data_id", datas),
        ):
            await session.execute(
                insert(link),
                [
                    {"system_info_id": pk, column: pool[j], "position": position}
                    for i, pk in enumerate(info_pks)
                    for position, j in enumerate(linked(i))
                ],
            )
    # Newest first, as the page lists them.
    return list(
        reversed(
            [
                expected_node(i, pk, row)
                for i, (pk, row) in enumerate(zip(info_pks, rows, strict=True))
            ]
        )
    )


def expected_node(index: int, pk: int, row: dict[str, Any]) -> dict[str, Any]:
    books = [Book(f"book-author-{j}", f"book-{j}") for j in linked(index)]
    materials = [Material(f"data-{j}", f"data-content-{j}") for j in linked(index)]
    return {
        "id": to_global_id(SYSTEM_INFO, pk),
        "major": row["major"],
        "understandingLevel": row["understanding_level"],
        "language": row["language"],
        "dataSequence": row["data_sequence"],
        "onlyUseReferenceData": row["only_use_reference_data"],
        "refBooks": [{"title": b.title} for b in books],
        "refDatas": [{"title": m.title, "content": m.content} for m in materials],
        "generatedDialogue": render_dialogue(
            major=row["major"],
            understanding_level=row["understanding_level"],
            language=row["language"],
            only_use_reference_data=row["only_use_reference_data"],
            data_sequence=row["data_sequence"],
            books=books,
            materials=materials,
        ),
    }


async def system_info_page(
    gql: GraphQLClient, services: Services, account: Account, size: int
) -> tuple[list[dict[str, Any]], int]:
    with count_statements(services.engine) as counter:
        body = await gql(SYSTEM_INFOS, {"first": size}, token=account.token)
    edges = assert_no_errors(body)["systemInfos"]["edges"]
    return [edge["node"] for edge in edges], counter.count


async def test_system_info_page_costs_the_same_for_5_and_50(
    gql: GraphQLClient, owner: Account, services: Services
) -> None:
    # given 50 SystemInfos, each linking 5 books and 5 materials in its own order
    expected = await seed_system_infos(services, user_pk(owner), 50)
    # when a page of 5 and a page of 50 are read with links, contents and the dialogue
    small, small_cost = await system_info_page(gql, services, owner, 5)
    large, large_cost = await system_info_page(gql, services, owner, 50)
    # then each SystemInfo got its own links in its own order, and its own dialogue
    assert small == expected[:5]
    assert large == expected
    # and both cost the same, pinned number of statements
    assert (small_cost, large_cost) == (SYSTEM_INFO_PAGE_STATEMENTS,) * 2


async def test_public_script_page_costs_the_same_for_2_and_20(
    gql: GraphQLClient, services: Services
) -> None:
    # given 20 public scripts with 3 scripts each
    ids = list(reversed(await seed_public_scripts(services, stamps(20), scripts_each=3)))
    costs = []
    for size in (2, 20):
        # when a page is read with its scripts, without a token
        with count_statements(services.engine) as counter:
            body = await gql(PUBLIC_SCRIPTS, {"first": size})
        costs.append(counter.count)
        nodes = [edge["node"] for edge in assert_no_errors(body)["publicScripts"]["edges"]]
        # then every public script has its own scripts, numbered from 1
        assert [node["id"] for node in nodes] == ids[:size]
        for node in nodes:
            index = node["name"].removeprefix("public-")
            assert node["scripts"] == [
                {"number": n, "text": f"public-{index}-script-{n}"} for n in (1, 2, 3)
            ]
    assert costs == [PUBLIC_SCRIPT_PAGE_STATEMENTS] * 2


ME_AND_PAGE = """
query MeAndPage($first: Int) {
  me { id username }
  systemInfos(first: $first) { edges { node { id refBooks { title } refDatas { title } } } }
}
"""


async def test_reads_run_on_a_connection_not_an_orm_session(
    gql: GraphQLClient, owner: Account, services: Services
) -> None:
    # given SystemInfos with links, and a listener on every ORM session's statements
    await seed_system_infos(services, user_pk(owner), 3)
    orm: list[str] = []

    def record(state: ORMExecuteState) -> None:
        orm.append(str(state.statement))

    event.listen(Session, "do_orm_execute", record)
    try:
        # when the caller and a page with both links are read
        with count_statements(services.engine) as counter:
            body = assert_no_errors(await gql(ME_AND_PAGE, {"first": 3}, token=owner.token))
    finally:
        event.remove(Session, "do_orm_execute", record)
    # then every statement ran in Core on the request's connection (a session's bookkeeping
    # cost ~0.07 ms a request), and the answers are whole
    assert counter.count > 0
    assert orm == []
    assert body["me"]["username"]
    assert all(len(edge["node"]["refBooks"]) == LINKS for edge in body["systemInfos"]["edges"])
