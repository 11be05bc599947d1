"""A link reads only the columns its sub-selection needs (schema/columns.py,
resolvers/parts.py `Link.narrowed`), in one statement per batch whatever the mix of
selections, and a mutation still answers with the links it wrote."""

from __future__ import annotations

import gc
import re
from typing import Any

import pytest
from graphql import GraphQLBoolean, GraphQLError, GraphQLInt, GraphQLScalarType, GraphQLString

from resolvers.parts import NOT_LOADED
from schema import columns, lookahead
from schema.build import build_schema
from schema.document import CACHE_SIZE
from services import Services
from tests.api.test_loaders import seed_system_infos
from tests.data_api import seed_books, stamps, user_pk
from tests.utils import Account, GraphQLClient, assert_no_errors, count_statements

TITLES = """
query Titles {
  systemInfos(first: 3) { edges { node { refBooks { id title } refDatas { title } } } }
}
"""
FRAGMENTS = """
fragment Who on RefBook { author }
query Fragments {
  systemInfos(first: 3) {
    edges { node { refBooks { __typename ...Who ... on RefBook { title } ... on Node { id } } } }
  }
}
"""
# The same fragment in two places: beside another selection of the same field, and alone.
SHARED_FRAGMENT = """
fragment Ids on SystemInfo { refBooks { id } }
query Shared($id: ID!) {
  systemInfos(first: 1) { edges { node { ...Ids refBooks { author } } } }
  systemInfo(id: $id) { ...Ids }
}
"""
ALIASES = """
query Aliases {
  systemInfos(first: 3) {
    edges { node { ids: refBooks { id } authors: refBooks { author } dialogue: generatedDialogue } }
  }
}
"""
_DATETIME = build_schema()._schema.type_map["DateTime"]
assert isinstance(_DATETIME, GraphQLScalarType)
DATETIME = _DATETIME.serialize
CREATE = """
mutation Create($input: CreateSystemInfoInput!) {
  createSystemInfo(input: $input) { id refBooks { id title } }
}
"""


def link_reads(statements: list[str], table: str) -> list[str]:
    """The statements that read `table` through its SystemInfo link, columns listed."""
    return [s for s in statements if f"JOIN {table} ON" in s and s.lstrip().startswith("SELECT")]


def columns_of(statement: str, table: str) -> set[str]:
    listed = statement.split("FROM", 1)[0]
    return set(re.findall(rf"\b{table}\.(\w+)", listed))


async def test_a_title_list_reads_ids_and_titles_only(
    gql: GraphQLClient, owner: Account, services: Services
) -> None:
    # Given SystemInfos linking books and materials
    expected = await seed_system_infos(services, user_pk(owner), 3)
    # When their links are listed by title
    with count_statements(services.engine) as counter:
        body = await gql(TITLES, token=owner.token)
    nodes = [edge["node"] for edge in assert_no_errors(body)["systemInfos"]["edges"]]
    # Then each link statement lists only the id and the title
    (books,) = link_reads(counter.statements, "ref_book")
    (datas,) = link_reads(counter.statements, "ref_data")
    assert columns_of(books, "ref_book") == {"id", "title"}
    assert columns_of(datas, "ref_data") == {"id", "title"}
    # and the answer is what was stored, in link order
    assert [[b["title"] for b in n["refBooks"]] for n in nodes] == [
        [b["title"] for b in e["refBooks"]] for e in expected[:3]
    ]
    assert [n["refDatas"] for n in nodes] == [
        [{"title": d["title"]} for d in e["refDatas"]] for e in expected[:3]
    ]


async def test_fragments_inline_fragments_and_typename_count(
    gql: GraphQLClient, owner: Account, services: Services
) -> None:
    # Given SystemInfos linking books
    await seed_system_infos(services, user_pk(owner), 3)
    # When the books' fields come from a fragment, inline fragments and __typename
    with count_statements(services.engine) as counter:
        body = await gql(FRAGMENTS, token=owner.token)
    nodes = [edge["node"] for edge in assert_no_errors(body)["systemInfos"]["edges"]]
    # Then the statement lists what they name, and every book has each field
    (books,) = link_reads(counter.statements, "ref_book")
    assert columns_of(books, "ref_book") == {"id", "author", "title"}
    for node in nodes:
        for book in node["refBooks"]:
            assert set(book) == {"__typename", "author", "title", "id"}
            assert book["__typename"] == "RefBook"
            assert book["author"].startswith("book-author-")


async def test_a_fragment_shared_by_two_places_reads_what_each_place_needs(
    gql: GraphQLClient, owner: Account, services: Services
) -> None:
    # Given a SystemInfo linking books
    expected = await seed_system_infos(services, user_pk(owner), 1)
    # When one fragment selects refBooks beside another selection, and alone
    body = await gql(SHARED_FRAGMENT, {"id": expected[0]["id"]}, token=owner.token)
    data = assert_no_errors(body)
    # Then the first place has the authors it asked for, the second only the ids
    (edge,) = data["systemInfos"]["edges"]
    assert [set(book) for book in edge["node"]["refBooks"]] == [{"id", "author"}] * 5
    assert all(b["author"].startswith("book-author-") for b in edge["node"]["refBooks"])
    assert [set(book) for book in data["systemInfo"]["refBooks"]] == [{"id"}] * 5


async def test_different_selections_of_one_link_share_one_statement(
    gql: GraphQLClient, owner: Account, services: Services
) -> None:
    # Given SystemInfos linking books
    expected = await seed_system_infos(services, user_pk(owner), 3)
    # When one page selects the books' ids, their authors and the dialogue (every column)
    with count_statements(services.engine) as counter:
        body = await gql(ALIASES, token=owner.token)
    nodes = [edge["node"] for edge in assert_no_errors(body)["systemInfos"]["edges"]]
    # Then one statement read the books, with what all three need
    (books,) = link_reads(counter.statements, "ref_book")
    assert {"id", "author", "title"} <= columns_of(books, "ref_book")
    # and each alias got its own fields, the dialogue its full rows
    for node, stored in zip(nodes, expected, strict=True):
        assert [set(b) for b in node["ids"]] == [{"id"}] * 5
        # (seeded book j has the author book-author-j and the title book-j)
        assert [b["author"].removeprefix("book-author-") for b in node["authors"]] == [
            b["title"].removeprefix("book-") for b in stored["refBooks"]
        ]
        assert node["dialogue"] == stored["generatedDialogue"]


async def test_a_mutation_answers_with_the_links_it_wrote(
    gql: GraphQLClient, owner: Account, services: Services
) -> None:
    # Given two books
    books = await seed_books(services, user_pk(owner), stamps(2))
    given = {
        "language": "EN",
        "major": "physics",
        "understandingLevel": 2,
        "refBookIds": list(reversed(books)),
    }
    # When a SystemInfo is created linking them, and its books' titles are selected
    with count_statements(services.engine) as counter:
        body = await gql(CREATE, {"input": given}, token=owner.token)
    created = assert_no_errors(body)["createSystemInfo"]
    # Then the answer is what was written, in the given order, without reading it back
    assert [b["id"] for b in created["refBooks"]] == given["refBookIds"]
    assert [b["title"] for b in created["refBooks"]] == ["book-1", "book-0"]
    assert link_reads(counter.statements, "ref_book") == []


@pytest.mark.parametrize(
    "use",
    [GraphQLString.serialize, GraphQLBoolean.serialize, GraphQLInt.serialize, DATETIME, bool, str],
)
def test_a_column_left_out_is_no_value_anything_accepts(use: Any) -> None:
    # A field reading a column its declaration did not name fails; it never answers a guess.
    with pytest.raises((GraphQLError, TypeError, AttributeError)):
        use(NOT_LOADED)


async def test_the_columns_and_lookahead_caches_keep_no_document_alive(
    gql: GraphQLClient, owner: Account, services: Services
) -> None:
    # Given a SystemInfo, and more distinct documents than the parse cache holds
    await seed_system_infos(services, user_pk(owner), 1)
    documents = [f"# {i}\n{TITLES}" for i in range(CACHE_SIZE + 60)]
    gc.collect()
    before = len(columns._cache)  # other apps of this test run may hold documents too
    pages_before = len(lookahead._pages)
    # When each is sent once
    for document in documents:
        assert_no_errors(await gql(document, token=owner.token))
    gc.collect()
    # Then the columns cache holds entries only for documents still parsed and cached
    # (each document has two link fields), not one per document ever seen
    assert len(columns._cache) - before <= 2 * CACHE_SIZE
    # and so does the lookahead's (one connection field each)
    assert len(lookahead._pages) - pages_before <= CACHE_SIZE
