"""A JSON POST is answered by schema/http.py directly, not through strawberry's view, and
answers exactly as the view would."""

from __future__ import annotations

from typing import Any

import httpx
import orjson
import pytest
from starlette.applications import Starlette
from strawberry.http.async_base_view import AsyncBaseHTTPView

from schema import request_json
from schema.http import GraphQLApp
from tests.documents import ME
from tests.hardening import graphql_error
from tests.utils import Account, assert_no_errors

TYPENAME = "query Probe { __typename }"


@pytest.fixture
def views(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The methods of the requests strawberry's view ran."""
    ran: list[str] = []
    run = AsyncBaseHTTPView.run

    async def counted(self: Any, request: Any, *args: Any, **kwargs: Any) -> Any:
        ran.append(request.method)
        return await run(self, request, *args, **kwargs)

    monkeypatch.setattr(AsyncBaseHTTPView, "run", counted)
    return ran


@pytest.fixture
def decodes(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The sizes of the JSON texts decoded."""
    sizes: list[int] = []
    load = request_json.load

    def counted(data: str | bytes, *args: Any) -> object:
        sizes.append(len(data))
        return load(data, *args)

    monkeypatch.setattr(request_json, "load", counted)
    return sizes


async def test_a_json_post_skips_strawberrys_view_and_is_decoded_once(
    http: httpx.AsyncClient, views: list[str], decodes: list[int]
) -> None:
    # given a JSON POST
    body = orjson.dumps({"query": TYPENAME})
    # when it is sent
    response = await http.post(
        "/graphql", content=body, headers={"content-type": "application/json"}
    )
    # then it answers without strawberry's view, its body decoded once
    assert assert_no_errors(response.json()) == {"__typename": "Query"}
    assert views == []
    assert decodes == [len(body)]


async def test_a_get_still_goes_through_strawberrys_view(
    http: httpx.AsyncClient, views: list[str]
) -> None:
    # when a query comes over GET
    response = await http.get("/graphql", params={"query": TYPENAME})
    # then strawberry's view answers it, as before
    assert assert_no_errors(response.json()) == {"__typename": "Query"}
    assert views == ["GET"]


async def test_a_direct_post_answers_with_the_views_headers(http: httpx.AsyncClient) -> None:
    # given the same query over GET (the view) and over POST (direct)
    by_get = await http.get("/graphql", params={"query": TYPENAME})
    by_post = await http.post("/graphql", json={"query": TYPENAME})
    # then both answer the same bytes with the same headers (the request id aside)
    assert by_post.content == by_get.content
    names = {name for name in by_get.headers if name != "x-request-id"}
    assert {name for name in by_post.headers if name != "x-request-id"} == names
    for name in names:
        assert by_post.headers[name] == by_get.headers[name], name
    assert by_post.headers["content-type"] == "application/json"


async def test_a_direct_post_reads_the_bearer_token(
    http: httpx.AsyncClient, alice: Account
) -> None:
    # when a signed-in query is posted with a charset in its content type
    response = await http.post(
        "/graphql",
        content=orjson.dumps({"query": ME}),
        headers={
            "content-type": "Application/JSON; charset=utf-8",
            "authorization": f"Bearer {alice.token}",
        },
    )
    # then it runs as the caller
    assert assert_no_errors(response.json())["me"]["username"] == alice.username


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"variables": {}}, "No GraphQL query found in the request"),
        ({"query": 5}, "`query` must be a string"),
        ({"query": TYPENAME, "variables": [1]}, "`variables` must be an object"),
    ],
    ids=["no-query", "query-not-a-string", "variables-not-an-object"],
)
async def test_requests_the_view_refuses_are_refused_the_same(
    http: httpx.AsyncClient, body: dict[str, Any], message: str
) -> None:
    # when a POST is what strawberry's view refuses with a 400
    response = await http.post("/graphql", json=body)
    # then it is the same GraphQL-shaped 400
    assert response.status_code == 400
    error = graphql_error(response)
    assert error["extensions"]["code"] == "BAD_REQUEST"
    assert message in error["message"]


async def test_queries_over_get_can_still_be_turned_off(app: Starlette) -> None:
    # given the GraphQL app built without queries over GET
    graphql = GraphQLApp(
        app.state.graphql.schema, services=app.state.services, allow_queries_via_get=False
    )
    transport = httpx.ASGITransport(app=graphql)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        # when a query comes over GET
        response = await client.get("/graphql", params={"query": TYPENAME})
    # then strawberry's refusal stands
    assert response.status_code == 400
    assert "queries are not allowed when using GET" in response.text
