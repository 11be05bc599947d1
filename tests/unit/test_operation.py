"""The operation pipeline (schema/operation.py): strawberry's steps as plain calls."""

from __future__ import annotations

from typing import Any

import pytest
import strawberry.schema.schema as strawberry_schema
from strawberry.exceptions import MissingQueryError
from strawberry.schema.exceptions import InvalidOperationTypeError
from strawberry.types.graphql import OperationType

from schema.build import AppSchema, build_schema
from schema.observe import OperationInfo, current_operation

TYPENAME = "query Probe { __typename }"
TWO_OPERATIONS = "query A { __typename } query B { __typename }"
MUTATION = "mutation Out { signOutEverywhere }"
BROKEN = "{ __typename "


@pytest.fixture
def schema(monkeypatch: pytest.MonkeyPatch) -> AppSchema:
    # strawberry's extension machinery must not run at all: it cost ~0.1 ms a request.
    def refused(*_args: Any, **_kwargs: Any) -> None:
        raise AssertionError("strawberry's extension runner was used")

    monkeypatch.setattr(strawberry_schema, "SchemaExtensionsRunner", refused)
    return build_schema()


def codes(result: Any) -> list[str]:
    return [error.extensions["code"] for error in result.errors or []]


async def test_a_document_runs_without_strawberrys_extension_runner(schema: AppSchema) -> None:
    # given the request's operation record
    info = OperationInfo()
    token = current_operation.set(info)
    try:
        # when a query runs
        result = await schema.execute(TYPENAME)
    finally:
        current_operation.reset(token)
    # then it answers, and the record names it
    assert result.errors is None
    assert result.data == {"__typename": "Query"}
    assert (info.name, info.type, info.error_codes) == ("Probe", "query", ())


async def test_refusals_before_execution_are_answers_with_their_code(schema: AppSchema) -> None:
    # given documents refused by parsing and by the operation to run
    info = OperationInfo()
    token = current_operation.set(info)
    try:
        # when each is sent
        broken = await schema.execute(BROKEN)
        ambiguous = await schema.execute(TWO_OPERATIONS)
        unknown = await schema.execute(TYPENAME, operation_name="Nope")
    finally:
        current_operation.reset(token)
    # then each is an answer with no data and its code, recorded for the request log
    assert (broken.data, codes(broken)) == (None, ["GRAPHQL_PARSE_FAILED"])
    assert (ambiguous.data, codes(ambiguous)) == (None, ["GRAPHQL_VALIDATION_FAILED"])
    assert (unknown.data, codes(unknown)) == (None, ["GRAPHQL_VALIDATION_FAILED"])
    assert info.error_codes == ("GRAPHQL_VALIDATION_FAILED",)


async def test_what_the_http_view_answers_with_400_is_raised_to_it(schema: AppSchema) -> None:
    # given a mutation sent where only queries may run (GET), and a request with no document
    # when each is executed, then strawberry's view gets the exception it turns into a 400
    with pytest.raises(InvalidOperationTypeError):
        await schema.execute(MUTATION, allowed_operation_types={OperationType.QUERY})
    with pytest.raises(MissingQueryError):
        await schema.execute(None)
    with pytest.raises(MissingQueryError):
        await schema.execute("")


async def test_validation_errors_come_back_tagged(schema: AppSchema) -> None:
    # given a field the schema does not have, when it is sent
    result = await schema.execute("{ nothingHere }")
    # then validation refuses it with its code and nothing runs
    assert (result.data, codes(result)) == (None, ["GRAPHQL_VALIDATION_FAILED"])


async def test_strawberrys_other_entry_points_refuse_to_run_without_the_limits() -> None:
    # given the schema, whose limits only execute() applies
    schema = build_schema()
    # when an operation is sent through strawberry's sync or subscription pipeline
    # then it is refused, not run unchecked
    with pytest.raises(NotImplementedError):
        schema.execute_sync(TYPENAME)
    with pytest.raises(NotImplementedError):
        await schema.subscribe(TYPENAME)
