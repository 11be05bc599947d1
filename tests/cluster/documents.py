"""The GraphQL documents the cluster tests send."""

from __future__ import annotations

from tests.utils import GraphQLClient, assert_no_errors

CREATE_REF_BOOK = """
mutation($input: CreateRefBookInput!) { createRefBook(input: $input) { id title createdAt } }
"""
REF_BOOKS = """
query($first: Int, $after: String) {
  refBooks(first: $first, after: $after) {
    edges { cursor node { id title createdAt } }
    pageInfo { hasNextPage endCursor }
    totalCount
  }
}
"""
CREATE_SYSTEM_INFO = """
mutation($input: CreateSystemInfoInput!) { createSystemInfo(input: $input) { id } }
"""
UPDATE_SYSTEM_INFO = """
mutation($id: ID!, $input: UpdateSystemInfoInput!) {
  updateSystemInfo(id: $id, input: $input) { id refBooks { id } }
}
"""
SYSTEM_INFO = "query($id: ID!) { systemInfo(id: $id) { id refBooks { id } } }"


async def create_book(gql: GraphQLClient, token: str, title: str) -> dict[str, str]:
    body = await gql(CREATE_REF_BOOK, {"input": {"author": "Author", "title": title}}, token=token)
    book: dict[str, str] = assert_no_errors(body)["createRefBook"]
    return book


async def all_books(gql: GraphQLClient, token: str, first: int) -> list[dict[str, str]]:
    """Every book of the caller, walking the pages forward."""
    rows: list[dict[str, str]] = []
    after = None
    for _ in range(100):
        page = assert_no_errors(await gql(REF_BOOKS, {"first": first, "after": after}, token=token))
        connection = page["refBooks"]
        rows += [edge["node"] for edge in connection["edges"]]
        if not connection["pageInfo"]["hasNextPage"]:
            return rows
        after = connection["pageInfo"]["endCursor"]
    raise AssertionError("pagination did not end")
