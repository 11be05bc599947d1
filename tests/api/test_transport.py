"""The transport's refusals: 413, 400, 405, each GraphQL-shaped and never a 500."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from urllib.parse import quote

import httpx
import orjson
import pytest
from sqlalchemy import func, select

from models import User
from services import Services
from settings import Settings
from tests.documents import SIGN_UP
from tests.hardening import app_with, graphql_error
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


DEEP = "[" * 2000 + "]" * 2000
HOSTILE_JSON = {
    "variables-2000-deep": ("variables", '{"a": ' + DEEP + "}", "not valid JSON"),
    "extensions-2000-deep": ("extensions", '{"a": ' + DEEP + "}", "not valid JSON"),
    "variables-5000-digits": ("variables", '{"n": ' + "7" * 5000 + "}", "not valid JSON"),
    "variables-100-deep": ("variables", '{"a": ' + "[" * 100 + "]" * 100 + "}", "deeper than 64"),
    "variables-nan": ("variables", '{"n": NaN}', "not valid JSON"),
}


@pytest.mark.parametrize("case", sorted(HOSTILE_JSON))
async def test_hostile_json_in_get_parameters_is_400(
    http: httpx.AsyncClient, services: Services, case: str
) -> None:
    parameter, value, says = HOSTILE_JSON[case]
    # when a GET carries it in `variables` or `extensions` (brackets as they are: encoded,
    # 2,000 levels make a target over 8 KiB, refused before with 414)
    encoded = quote(value, safe="[]")
    response = await http.get(f"/graphql?query={quote(TYPENAME)}&{parameter}={encoded}")
    # then it is refused as a bad request, GraphQL-shaped, saying why
    assert response.status_code == 400, response.text[:300]
    error = graphql_error(response)
    assert error["extensions"]["code"] == "BAD_REQUEST"
    assert says in error["message"]


@pytest.mark.parametrize("case", sorted(HOSTILE_JSON))
async def test_hostile_json_in_a_post_body_is_400(http: httpx.AsyncClient, case: str) -> None:
    parameter, value, says = HOSTILE_JSON[case]
    # when a POST body carries the same value
    body = '{"query": "' + TYPENAME + '", "' + parameter + '": ' + value + "}"
    response = await http.post("/graphql", content=body.encode(), headers=JSON)
    # then it is refused the same way
    assert response.status_code == 400, response.text[:300]
    error = graphql_error(response)
    assert error["extensions"]["code"] == "BAD_REQUEST"
    assert says in error["message"]


async def test_a_trickled_body_is_cut_off_at_the_read_deadline(settings: Settings) -> None:
    # given a body read deadline of half a second
    async with app_with(settings, body_read_timeout_seconds=0.5) as app:
        body = padded_body(60)
        sent = 0

        async def trickle() -> AsyncIterator[bytes]:
            nonlocal sent
            for byte in body:
                sent += 1
                yield bytes([byte])
                await asyncio.sleep(0.1)

        # when a client sends its body a byte at a time, 0.1 s apart (6 s in all)
        response = await app.http.post("/graphql", content=trickle(), headers=JSON)
    # then it is cut off before the end with 408, GraphQL-shaped, and the connection closed
    assert response.status_code == 408, response.text
    assert graphql_error(response)["extensions"]["code"] == "REQUEST_TIMEOUT"
    assert response.headers["connection"] == "close"
    assert sent < len(body)


async def test_deep_json_percent_encoded_in_a_get_is_414(http: httpx.AsyncClient) -> None:
    # given variables 2,000 deep with every bracket percent-encoded (12 KB of target)
    _, value, _ = HOSTILE_JSON["variables-2000-deep"]
    response = await http.get("/graphql", params={"query": TYPENAME, "variables": value})
    # then the target is too long before its JSON is read
    assert response.status_code == 414
    assert graphql_error(response)["extensions"]["code"] == "URI_TOO_LONG"


async def test_a_target_over_8_kib_is_414_whatever_the_server(http: httpx.AsyncClient) -> None:
    # given a server that let a 9 KiB request target through (the app's own check)
    response = await http.get("/graphql", params={"query": TYPENAME, "pad": "x" * 9 * 1024})
    # then the app refuses it, GraphQL-shaped, and closes the connection
    assert response.status_code == 414
    assert graphql_error(response)["extensions"]["code"] == "URI_TOO_LONG"
    assert response.headers["connection"] == "close"


async def test_a_head_over_64_kib_is_431_whatever_the_server(http: httpx.AsyncClient) -> None:
    # given a server that let 70 KiB of headers through
    headers = {f"x-pad-{n}": "a" * 1000 for n in range(70)}
    response = await http.get("/graphql", params={"query": TYPENAME}, headers=headers)
    # then the app refuses them
    assert response.status_code == 431
    assert graphql_error(response)["extensions"]["code"] == "REQUEST_HEADER_FIELDS_TOO_LARGE"


@pytest.mark.parametrize("name", ["X" * 500_000, "X" * 101, 5, "not a name", "", ["A"]], ids=repr)
async def test_an_operation_name_that_is_no_graphql_name_is_400(
    http: httpx.AsyncClient, caplog: pytest.LogCaptureFixture, name: object
) -> None:
    # when a request names its operation with something no document could define
    with caplog.at_level("INFO", logger="gpt_supporter.request"):
        posted = await http.post("/graphql", json={"query": TYPENAME, "operationName": name})
    # then it is refused before GraphQL runs, and neither the answer nor the log repeats it
    error = graphql_error(posted)
    assert posted.status_code == 400 and error["extensions"]["code"] == "BAD_REQUEST"
    assert len(posted.content) < 500
    assert all(len(record.getMessage()) < 500 for record in caplog.records)
    if isinstance(name, str) and name and len(name) < 4000:
        fetched = await http.get("/graphql", params={"query": TYPENAME, "operationName": name})
        assert fetched.status_code in (400, 414), fetched.status_code


async def test_a_real_operation_name_still_runs(http: httpx.AsyncClient) -> None:
    name = "A" * 100
    query = f"query {name} {{ __typename }}"
    for response in (
        await http.post("/graphql", json={"query": query, "operationName": name}),
        await http.get("/graphql", params={"query": query, "operationName": name}),
    ):
        assert response.status_code == 200
        assert assert_no_errors(response.json()) == {"__typename": "Query"}
