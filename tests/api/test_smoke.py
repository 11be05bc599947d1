"""A first end-to-end slice through the ASGI app."""

from tests.utils import GraphQLClient, assert_error_code, assert_no_errors

ME = "query { me { id username email isAdmin usingToken createdAt updatedAt } }"


async def test_signed_in_user_reads_me(gql: GraphQLClient, alice) -> None:
    # given a signed-in user / when they ask who they are
    data = assert_no_errors(await gql(ME, token=alice.token))
    # then they get their own account
    assert data["me"]["id"] == alice.id
    assert data["me"]["username"] == "alice"
    assert data["me"]["usingToken"] == 0
    assert data["me"]["createdAt"].endswith("+00:00")


async def test_me_without_token_is_unauthenticated(gql: GraphQLClient) -> None:
    assert_error_code(await gql(ME), "UNAUTHENTICATED")
