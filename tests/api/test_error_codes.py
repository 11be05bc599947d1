"""Errors that happen before any resolver runs still carry the code of docs/design.md "Errors"."""

from __future__ import annotations

from tests.utils import GraphQLClient, assert_error_code

CREATE_REF_BOOK = """
mutation Create($input: CreateRefBookInput!) { createRefBook(input: $input) { id } }
"""
PAGE = "query Page($first: Int) { publicScripts(first: $first) { totalCount } }"


async def test_a_variable_of_the_wrong_type_is_bad_user_input(gql: GraphQLClient, alice) -> None:
    # given a document whose variable must be an Int / when a string is sent for it
    body = await gql(PAGE, {"first": "twenty"})
    # then it is the client's input that is wrong (Apollo's code), nothing ran
    error = assert_error_code(body, "BAD_USER_INPUT")
    assert "$first" in error["message"]
    assert body["data"] is None


async def test_a_missing_required_input_field_is_bad_user_input(gql: GraphQLClient, alice) -> None:
    # when an input object lacks a required field
    body = await gql(CREATE_REF_BOOK, {"input": {"author": "Knuth"}}, token=alice.token)
    # then it is refused as bad input naming the variable
    error = assert_error_code(body, "BAD_USER_INPUT")
    assert "title" in error["message"]


async def test_an_unknown_field_is_validation_failed_and_a_bad_document_parse_failed(
    gql: GraphQLClient,
) -> None:
    assert_error_code(await gql("{ publicScripts { nope } }"), "GRAPHQL_VALIDATION_FAILED")
    assert_error_code(await gql("{ publicScripts(first: "), "GRAPHQL_PARSE_FAILED")
