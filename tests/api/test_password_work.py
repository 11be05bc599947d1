"""One request checks or sets one password at most: aliases and fragments cannot multiply
argon2's 20-40 ms of CPU and 19 MiB (a right password is never throttled)."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from models import RefreshToken
from services import Services
from tests.utils import Account, GraphQLClient, count_password_checks

TWENTY_SIGN_INS = (
    "mutation($input: SignInInput!) { "
    + " ".join(f"a{i}: signIn(input: $input) {{ accessToken }}" for i in range(20))
    + " }"
)
THROUGH_FRAGMENTS = """
mutation($input: SignInInput!) { ...Once ...Twice }
fragment Once on Mutation { a: signIn(input: $input) { accessToken } }
fragment Twice on Mutation { b: signIn(input: $input) { accessToken } }
"""
SIGN_UP_AND_CHANGE = """
mutation($new: SignUpInput!, $change: ChangePasswordInput!) {
  a: changePassword(input: $change) { accessToken }
  b: signUp(input: $new) { id }
}
"""


@pytest.mark.parametrize(
    "document", [TWENTY_SIGN_INS, THROUGH_FRAGMENTS], ids=["aliases", "fragments"]
)
async def test_one_request_checks_one_password(
    gql: GraphQLClient, services: Services, alice: Account, document: str
) -> None:
    # given alice's right password, asked for several times in one document
    credentials = {"input": {"username": alice.username, "password": alice.password}}
    before = await count_refresh_tokens(services)
    # when it is sent
    with count_password_checks() as checks:
        body = await gql(document, credentials)
    # then one password was checked and one session made; the others were refused
    assert checks.count == 1
    assert await count_refresh_tokens(services) == before + 1
    codes = [error["extensions"]["code"] for error in body["errors"]]
    assert codes and set(codes) == {"QUERY_TOO_COMPLEX"}


async def test_a_password_change_and_a_sign_up_do_not_share_a_request(
    gql: GraphQLClient, alice: Account
) -> None:
    variables = {
        "change": {"currentPassword": alice.password, "newPassword": "another-horse-3"},
        "new": {"username": "eve", "email": "eve@example.com", "password": "correct-horse-5"},
    }
    with count_password_checks() as checks:
        body = await gql(SIGN_UP_AND_CHANGE, variables, token=alice.token)
    assert checks.count == 1
    assert [(e["path"], e["extensions"]["code"]) for e in body["errors"]] == [
        (["b"], "QUERY_TOO_COMPLEX")
    ]


async def count_refresh_tokens(services: Services) -> int:
    async with services.sessions() as session:
        return int(await session.scalar(select(func.count()).select_from(RefreshToken)) or 0)
