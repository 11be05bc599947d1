"""Errors that happen before any resolver runs still carry the code of docs/design.md "Errors"."""

from __future__ import annotations

import pytest
from sqlalchemy import update
from sqlmodel import col

from models import User
from services import Services
from tests.data_api import user_pk
from tests.databases import is_mysql
from tests.utils import (
    Account,
    GraphQLClient,
    assert_error_code,
    assert_no_errors,
    count_statements,
)

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


UNUSED_VARIABLE = "query Q($x: Int) { publicScripts { totalCount } }"
UNDEFINED_VARIABLE = "query Q { publicScripts(first: $n) { totalCount } }"
WRONG_VARIABLE_TYPE = "query Q($n: String) { publicScripts(first: $n) { totalCount } }"
TWO_OPERATIONS = """
query Count { publicScripts { totalCount } }
query Name { __typename }
"""


@pytest.mark.parametrize("document", [UNUSED_VARIABLE, UNDEFINED_VARIABLE, WRONG_VARIABLE_TYPE])
async def test_a_variable_declaration_that_does_not_fit_is_validation_failed(
    gql: GraphQLClient, services: Services, document: str
) -> None:
    # given a document whose variables are declared wrongly (a fault of the document, not of
    # the values sent) / when it is sent with fitting values
    with count_statements(services.engine) as sql:
        body = await gql(document, {"x": 1, "n": "1"})
    # then it is a validation failure, and nothing ran
    assert_error_code(body, "GRAPHQL_VALIDATION_FAILED")
    assert {e["extensions"]["code"] for e in body["errors"]} == {"GRAPHQL_VALIDATION_FAILED"}
    assert sql.count == 0


async def test_several_operations_without_an_operation_name_run_none(
    gql: GraphQLClient, services: Services
) -> None:
    # when a document with two operations comes without `operationName`
    with count_statements(services.engine) as sql:
        body = await gql(TWO_OPERATIONS)
    # then neither runs (the spec's "must provide operation name"), not the first one
    error = assert_error_code(body, "GRAPHQL_VALIDATION_FAILED")
    assert "operationName" in error["message"]
    assert body["data"] is None
    assert sql.count == 0


async def test_the_operation_name_chooses_and_must_exist(gql: GraphQLClient) -> None:
    async def run(name: str) -> dict:
        response = await gql.http.post(
            "/graphql", json={"query": TWO_OPERATIONS, "operationName": name}
        )
        assert response.status_code == 200, response.text
        return response.json()

    # the one named runs
    assert assert_no_errors(await run("Name")) == {"__typename": "Query"}
    assert assert_no_errors(await run("Count"))["publicScripts"]["totalCount"] == 0
    # a name the document does not define is a validation failure too (was HTTP 400)
    error = assert_error_code(await run("Other"), "GRAPHQL_VALIDATION_FAILED")
    assert "'Other'" in error["message"]


@pytest.mark.skipif(is_mysql(), reason="MariaDB's INT column cannot hold the value; SQLite can")
async def test_a_value_the_service_cannot_serialize_is_a_masked_fault(
    gql: GraphQLClient, services: Services, alice: Account, caplog: pytest.LogCaptureFixture
) -> None:
    # given a stored number no GraphQL Int can carry (a bug of the service, not the client's)
    async with services.sessions.begin() as session:
        await session.execute(
            update(User).where(col(User.id) == user_pk(alice)).values(using_token=2**40)
        )
    # when it is read
    with caplog.at_level("ERROR", logger="gpt_supporter.errors"):
        body = await gql("query { me { usingToken } }", token=alice.token)
    # then the client gets the masked internal error, and the log the traceback
    error = assert_error_code(body, "INTERNAL_SERVER_ERROR")
    assert error["message"] == "Internal server error."
    assert any(record.exc_info for record in caplog.records)
