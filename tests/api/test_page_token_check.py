"""The caller's pages check the token inside the page's own statement (resolvers.owned).

A page costs one statement, and a revoked or orphaned token still gets UNAUTHENTICATED,
whatever the page holds and whatever the arguments.
"""

from __future__ import annotations

import pytest
from sqlalchemy import delete, update
from sqlmodel import col

from models import User
from resolvers.ids import pk_of, to_global_id
from services import Services
from tests.data_api import quick_account, seed_books, stamps, user_pk
from tests.type_names import REF_BOOK as REF_BOOK_TYPE
from tests.utils import GraphQLClient, assert_error_code, assert_no_errors, count_statements

REF_BOOKS = """
query Books($first: Int) {
  refBooks(first: $first) { edges { node { id title } } pageInfo { hasNextPage } }
}
"""
SYSTEM_INFOS = "query { systemInfos(first: 5) { edges { node { id } } } }"
REF_DATAS = "query { refDatas(first: 5) { edges { node { id } } } }"


async def _revoke(services: Services, pk: int) -> None:
    async with services.sessions.begin() as session:
        await session.execute(
            update(User).where(col(User.id) == pk).values(token_version=col(User.token_version) + 1)
        )


async def test_a_page_is_one_statement(gql: GraphQLClient, services: Services) -> None:
    # given a user with three books
    alice = await quick_account(services, "alice")
    await seed_books(services, user_pk(alice), stamps(3))
    # when a page is read
    with count_statements(services.engine) as sql:
        body = await gql(REF_BOOKS, {"first": 2}, token=alice.token)
    # then it is one statement, with the page right
    data = assert_no_errors(body)["refBooks"]
    assert len(data["edges"]) == 2 and data["pageInfo"]["hasNextPage"] is True
    assert sql.count == 1


@pytest.mark.parametrize("books", [0, 3], ids=["empty-page", "full-page"])
async def test_a_revoked_token_reads_no_page(
    gql: GraphQLClient, services: Services, books: int
) -> None:
    # given a token whose user then changed version (a password change, a detected theft)
    alice = await quick_account(services, "alice")
    if books:
        await seed_books(services, user_pk(alice), stamps(books))
    await _revoke(services, user_pk(alice))
    # when it reads each of its pages, then it is UNAUTHENTICATED, with no data
    for document in (REF_BOOKS, SYSTEM_INFOS, REF_DATAS):
        body = await gql(document, {"first": 2}, token=alice.token)
        assert_error_code(body, "UNAUTHENTICATED")
        assert body["data"] is None


async def test_a_deleted_users_token_reads_no_page(gql: GraphQLClient, services: Services) -> None:
    # given a token whose user is gone
    alice = await quick_account(services, "alice")
    async with services.sessions.begin() as session:
        await session.execute(delete(User).where(col(User.id) == user_pk(alice)))
    # when it reads a page, then it is UNAUTHENTICATED
    assert_error_code(await gql(REF_BOOKS, {"first": 2}, token=alice.token), "UNAUTHENTICATED")


async def test_bad_arguments_with_a_revoked_token_are_unauthenticated_first(
    gql: GraphQLClient, services: Services
) -> None:
    # given a current and a revoked token
    alice = await quick_account(services, "alice")
    bob = await quick_account(services, "bob")
    await _revoke(services, user_pk(bob))
    # when both read a page with a bad argument
    # then the current one hears about the argument, the revoked one only that it is out
    assert_error_code(
        await gql(REF_BOOKS, {"first": -1}, token=alice.token), "BAD_USER_INPUT", "first"
    )
    assert_error_code(await gql(REF_BOOKS, {"first": -1}, token=bob.token), "UNAUTHENTICATED")


REF_BOOK = "query Book($id: ID!) { refBook(id: $id) { id title } }"


async def test_an_object_by_id_is_one_statement_and_a_miss_is_null(
    gql: GraphQLClient, services: Services
) -> None:
    # given alice's book and bob
    alice = await quick_account(services, "alice")
    bob = await quick_account(services, "bob")
    (book,) = await seed_books(services, user_pk(alice), stamps(1))
    # when alice reads it, it is one statement
    with count_statements(services.engine) as sql:
        found = assert_no_errors(await gql(REF_BOOK, {"id": book}, token=alice.token))
    assert found["refBook"]["id"] == book and sql.count == 1
    # and bob, a malformed id and a missing one read null, without errors (the missing one
    # past every id the test databases hold: a fixed id was some run's book)
    pk = pk_of(book, REF_BOOK_TYPE)
    assert pk is not None
    missing = to_global_id(REF_BOOK_TYPE, pk + 10**6)
    for token, global_id in (
        (bob.token, book),
        (alice.token, "nope"),
        (alice.token, missing),
    ):
        assert assert_no_errors(await gql(REF_BOOK, {"id": global_id}, token=token)) == {
            "refBook": None
        }


@pytest.mark.parametrize("whose", ["own", "malformed"])
async def test_a_revoked_token_reads_no_object(
    gql: GraphQLClient, services: Services, whose: str
) -> None:
    # given a revoked token of a user with a book
    alice = await quick_account(services, "alice")
    (book,) = await seed_books(services, user_pk(alice), stamps(1))
    await _revoke(services, user_pk(alice))
    # when it reads the book (or a malformed id), then it is UNAUTHENTICATED
    global_id = book if whose == "own" else "nope"
    body = await gql(REF_BOOK, {"id": global_id}, token=alice.token)
    assert_error_code(body, "UNAUTHENTICATED")
