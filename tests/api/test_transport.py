"""The transport's refusals: 413, 400, 405, each GraphQL-shaped and never a 500."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import orjson
import pytest
from sqlalchemy import func, select

from models import User
from services import Services
from tests.documents import SIGN_UP
from tests.hardening import graphql_error
from tests.utils import assert_no_errors

MIB = 1024 * 1024
TYPENAME = "query { __typename }"
JSON = {"content-type": "application/json"}


def padded_body(size: int) -> bytes:
    """A valid request of exactly `size` bytes (the padding is an unused variable)."""
    empty = orjson.dumps({"query": TYPENAME, "variables": {"pad": ""}})
    return orjson.dumps({"query": TYPENAME, "variables": {"pad": "x" * (size - len(empty))}})


async def chunks(body: bytes, size: int = 64 * 1024) -> AsyncIterator[bytes]:
    for start in range(0, len(body), size):
        yield body[start : start + size]


async def count_users(services: Services) -> int:
    async with services.sessions() as session:
        return int(await session.scalar(select(func.count()).select_from(User)) or 0)


async def test_a_body_of_exactly_one_mib_is_served(http: httpx.AsyncClient) -> None:
    body = padded_body(MIB)
    assert len(body) == MIB
    response = await http.post("/graphql", content=body, headers=JSON)
    assert response.status_code == 200
    assert assert_no_errors(response.json()) == {"__typename": "Query"}


async def test_a_declared_oversized_body_is_413(http: httpx.AsyncClient) -> None:
    # when the body is one byte over 1 MiB, with an honest Content-Length
    response = await http.post("/graphql", content=padded_body(MIB + 1), headers=JSON)
    # then it is refused before parsing, GraphQL-shaped
    assert response.status_code == 413
    assert graphql_error(response)["extensions"]["code"] == "PAYLOAD_TOO_LARGE"


@pytest.mark.parametrize("declared", [None, "100"], ids=["chunked", "lying-length"])
async def test_a_streamed_oversized_body_is_413(
    http: httpx.AsyncClient, declared: str | None
) -> None:
    # given a 2 MiB body sent in chunks, with no Content-Length or one that lies
    headers = dict(JSON)
    if declared:
        headers["content-length"] = declared
    # when it is posted
    response = await http.post("/graphql", content=chunks(padded_body(2 * MIB)), headers=headers)
    # then the bytes actually received are what counts
    assert response.status_code == 413
    assert graphql_error(response)["extensions"]["code"] == "PAYLOAD_TOO_LARGE"


@pytest.mark.parametrize(
    ("body", "says"),
    [
        (b'{"query": "query { __typename }"', "not valid JSON"),
        (b"\xff\xfe{}", "not valid JSON"),
        (b'"query { __typename }"', "JSON object"),
        (b"42", "JSON object"),
        (b"null", "JSON object"),
        (b'[{"query": "query { __typename }"}]', "Batched"),
        (b"[]", "Batched"),
        (b'{"query": "{ __typename }", "variables": ' + b"[" * 900 + b"]" * 900 + b"}", "deeper"),
        (b'{"query": "{ __typename }", "variables": [1]}', "variables"),
        (b'{"query": 5}', "query"),
        (b"{}", "No GraphQL query"),
        (b'{"query": "{ __typename }", "extensions": "x"}', "extensions"),
    ],
    ids=[
        "truncated",
        "not-utf8",
        "string",
        "number",
        "null",
        "batch",
        "empty-batch",
        "deep",
        "variables-list",
        "query-number",
        "no-query",
        "extensions-string",
    ],
)
async def test_a_malformed_body_is_400_graphql_shaped(
    http: httpx.AsyncClient, body: bytes, says: str
) -> None:
    response = await http.post("/graphql", content=body, headers=JSON)
    assert response.status_code == 400, response.text
    error = graphql_error(response)
    assert error["extensions"]["code"] == "BAD_REQUEST"
    assert says in error["message"]


async def test_a_non_json_content_type_is_400(http: httpx.AsyncClient) -> None:
    response = await http.post("/graphql", content=b"query { __typename }")
    assert response.status_code == 400
    assert graphql_error(response)["extensions"]["code"] == "BAD_REQUEST"


@pytest.mark.parametrize("method", ["PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"])
async def test_other_methods_are_405(http: httpx.AsyncClient, method: str) -> None:
    response = await http.request(method, "/graphql")
    assert response.status_code == 405
    assert response.headers["allow"] == "GET, POST"
    if method != "HEAD":
        assert graphql_error(response)["extensions"]["code"] == "METHOD_NOT_ALLOWED"


async def test_get_runs_queries_but_never_mutations(
    http: httpx.AsyncClient, services: Services
) -> None:
    # given GET is allowed for queries
    response = await http.get("/graphql", params={"query": TYPENAME})
    assert assert_no_errors(response.json()) == {"__typename": "Query"}
    # when a sign-up mutation comes over GET
    variables = {"input": {"username": "getter", "email": "g@example.com", "password": "pw-12345x"}}
    response = await http.get(
        "/graphql", params={"query": SIGN_UP, "variables": orjson.dumps(variables).decode()}
    )
    # then it is refused as a method the operation does not allow, GraphQL-shaped,
    # and no user was made
    assert response.status_code == 405
    assert response.headers["allow"] == "POST"
    error = graphql_error(response)
    assert "mutations are not allowed" in error["message"]
    assert error["extensions"]["code"] == "METHOD_NOT_ALLOWED"
    assert await count_users(services) == 0


async def test_get_with_malformed_variables_is_400(http: httpx.AsyncClient) -> None:
    response = await http.get("/graphql", params={"query": TYPENAME, "variables": "{nope"})
    assert response.status_code == 400
    assert graphql_error(response)["extensions"]["code"] == "BAD_REQUEST"
