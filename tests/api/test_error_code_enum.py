"""The codes of docs/design.md "Errors" are in the schema, so generated clients get them typed."""

from __future__ import annotations

from tests.utils import GraphQLClient, assert_no_errors

# docs/design.md "Errors", in its order.
DESIGN_CODES = [
    "UNAUTHENTICATED",
    "FORBIDDEN",
    "NOT_FOUND",
    "BAD_USER_INPUT",
    "RATE_LIMITED",
    "QUERY_TOO_COMPLEX",
    "PERSISTED_QUERY_NOT_FOUND",
    "GRAPHQL_PARSE_FAILED",
    "GRAPHQL_VALIDATION_FAILED",
    "SERVICE_UNAVAILABLE",
    "INTERNAL_SERVER_ERROR",
]

ERROR_CODE_TYPE = """
query ErrorCodeType { __type(name: "ErrorCode") { kind enumValues { name } } }
"""


async def test_error_code_enum_lists_every_design_code(gql: GraphQLClient) -> None:
    # given the served schema
    # when a client introspects the ErrorCode type
    data = assert_no_errors(await gql(ERROR_CODE_TYPE))

    # then it is an enum with exactly the codes of docs/design.md "Errors"
    assert data["__type"]["kind"] == "ENUM"
    assert [value["name"] for value in data["__type"]["enumValues"]] == DESIGN_CODES
