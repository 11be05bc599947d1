"""What every create shares: one clock read, per-account quotas, answers nobody may cache."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from sqlalchemy import func, select

from models import RefBook
from services import Services
from tests.data_api import quick_account, seed_books, stamps, user_pk
from tests.databases import is_mysql
from tests.documents import SIGN_IN
from tests.utils import Account, GraphQLClient, assert_error_code, assert_no_errors

CREATES = {
    "createRefBook": ("CreateRefBookInput", {"author": "A", "title": "T"}),
    "createRefData": ("CreateRefDataInput", {"title": "T", "content": "C"}),
    "createSystemInfo": (
        "CreateSystemInfoInput",
        {"language": "EN", "major": "Physics", "understandingLevel": 1},
    ),
}
SIGN_UP = """
mutation($input: SignUpInput!) { signUp(input: $input) { createdAt updatedAt } }
"""
PUBLISH = """
mutation($input: CreatePublicScriptInput!) {
  createPublicScript(input: $input) { createdAt updatedAt }
}
"""


def create_document(field: str) -> str:
    input_type, _ = CREATES[field]
    return f"mutation($input: {input_type}!) {{ {field}(input: $input) {{ createdAt updatedAt }} }}"


@pytest.mark.parametrize("field", list(CREATES))
async def test_a_new_objects_updated_at_is_its_created_at(
    gql: GraphQLClient, owner: Account, field: str
) -> None:
    # when an object is created
    body = await gql(create_document(field), {"input": CREATES[field][1]}, token=owner.token)
    # then both times are one reading of the clock
    created = assert_no_errors(body)[field]
    assert created["updatedAt"] == created["createdAt"]


async def test_a_new_account_and_a_new_public_script_too(
    gql: GraphQLClient, quick_admin: Account
) -> None:
    account = {"username": "fresh", "email": "fresh@example.com", "password": "correct-horse-9"}
    user = assert_no_errors(await gql(SIGN_UP, {"input": account}))["signUp"]
    assert user["updatedAt"] == user["createdAt"]
    script = {"name": "N", "description": "D", "scripts": ["one"]}
    published = assert_no_errors(await gql(PUBLISH, {"input": script}, token=quick_admin.token))
    assert (
        published["createPublicScript"]["updatedAt"] == published["createPublicScript"]["createdAt"]
    )


async def test_answers_that_carry_tokens_are_never_cached(
    gql: GraphQLClient, alice: Account
) -> None:
    # when alice signs in
    response = await gql.http.post(
        "/graphql",
        json={
            "query": SIGN_IN,
            "variables": {"input": {"username": "alice", "password": alice.password}},
        },
    )
    # then the answer holds tokens and tells every cache not to keep it
    assert response.json()["data"]["signIn"]["accessToken"]
    assert response.headers["cache-control"] == "no-store"


@pytest.fixture
def small_quota(services: Services) -> Any:
    before = services.settings.max_ref_books_per_user
    services.settings.max_ref_books_per_user = 3
    yield 3
    services.settings.max_ref_books_per_user = before


async def test_a_create_past_the_quota_is_refused_and_stores_nothing(
    gql: GraphQLClient, services: Services, owner: Account, small_quota: int
) -> None:
    # given an account at its quota of books
    await seed_books(services, user_pk(owner), stamps(small_quota))
    # when it creates one more
    body = await gql(
        create_document("createRefBook"), {"input": CREATES["createRefBook"][1]}, owner.token
    )
    # then it is refused with a message saying why, and the count is unchanged
    error = assert_error_code(body, "BAD_USER_INPUT")
    assert f"at most {small_quota} RefBook" in error["message"]
    assert await count_books(services, user_pk(owner)) == small_quota


async def test_a_burst_of_creates_stops_at_the_quota(
    gql: GraphQLClient, services: Services, small_quota: int
) -> None:
    # given an empty account
    owner = await quick_account(services, "burst")
    # when ten creates arrive at once
    document, variables = create_document("createRefBook"), {"input": CREATES["createRefBook"][1]}
    bodies = await asyncio.gather(*(gql(document, variables, owner.token) for _ in range(10)))
    # then every create that was not stored was refused as input
    refused = [b for b in bodies if b.get("errors")]
    assert {b["errors"][0]["extensions"]["code"] for b in refused} <= {"BAD_USER_INPUT"}
    stored = await count_books(services, user_pk(owner))
    assert stored == len(bodies) - len(refused) >= small_quota
    if not is_mysql():
        # exactly the quota where writes are serialized (SQLite's write lock); on MariaDB
        # creates in flight together may each have seen room (resolvers/owned.py says why)
        assert stored == small_quota
    # and once it is reached, the next create is refused
    after = await gql(document, variables, owner.token)
    assert_error_code(after, "BAD_USER_INPUT")
    assert await count_books(services, user_pk(owner)) == stored


async def count_books(services: Services, owner_pk: int) -> int:
    async with services.sessions() as session:
        stmt = select(func.count()).select_from(RefBook).where(RefBook.user_id == owner_pk)  # type: ignore[arg-type]
        return int(await session.scalar(stmt) or 0)
