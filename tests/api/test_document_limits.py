"""Issue 10, items 1 and 2: every request's cost bounded before it runs.

The issue's reproductions (a fragment chain, 248 sibling fields, 20 aliases of a page of
dialogues) are refused with QUERY_TOO_COMPLEX, over POST and GET, before any SQL; an
ordinary screen at its largest still runs; the cost reads the request's variables; an answer
over the byte cap is not sent.
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from sqlalchemy import insert
from starlette.applications import Starlette

from models import (
    RefBook,
    RefData,
    RefDataContent,
    SystemInfo,
    SystemInfoRefBook,
    SystemInfoRefData,
)
from resolvers.entities import MAX_LINKS
from services import Services
from settings import Settings
from tests.data_api import insert_returning_ids, stamps, user_pk
from tests.hardening import app_with
from tests.limits_documents import (
    DIALOGUE_ATTACK,
    ORDINARY_SCREEN,
    fragment_chain,
    sibling_fields,
)
from tests.utils import (
    Account,
    GraphQLClient,
    assert_error_code,
    assert_no_errors,
    count_statements,
)

PAGE = "query Page($n: Int) { refDatas(first: $n) { edges { node { id title } } } }"
CONTENTS = "query { refDatas(first: 10) { edges { node { id content } } } }"
TYPENAME = "query { __typename }"
UNDEFINED_FRAGMENT = "query { ...Nope }"
CYCLIC_FRAGMENTS = "query { ...A } fragment A on Query { ...B } fragment B on Query { ...A }"
NESTED_INTROSPECTION = "query { __schema { types { fields { type { fields { name } } } } } }"
CONTENT = "x" * 3000


async def send(http: httpx.AsyncClient, method: str, query: str, token: str) -> dict[str, Any]:
    headers = {"authorization": f"Bearer {token}"}
    if method == "GET":
        response = await http.get("/graphql", params={"query": query}, headers=headers)
    else:
        response = await http.post("/graphql", json={"query": query}, headers=headers)
    assert response.status_code == 200, response.text
    return response.json()


def refused(body: dict[str, Any]) -> dict[str, Any]:
    assert body["data"] is None
    [error] = body["errors"]
    assert error["extensions"]["code"] == "QUERY_TOO_COMPLEX", error
    return error


@pytest.mark.parametrize("method", ["POST", "GET"])
@pytest.mark.parametrize("levels", [22, 40, 60])
async def test_a_fragment_chain_is_refused_before_any_sql(
    http: httpx.AsyncClient, services: Services, owner: Account, method: str, levels: int
) -> None:
    # given the chain (22 levels: 863 bytes; it held the worker for seconds, 60 for
    # minutes) / when it is sent
    with count_statements(services.engine) as sql:
        body = await send(http, method, fragment_chain(levels), owner.token)
    # then it is refused as too complex, and nothing reached the database
    refused(body)
    assert sql.count == 0


@pytest.mark.parametrize(("method", "siblings"), [("POST", 248), ("GET", 60)])
async def test_sibling_fields_are_refused_before_any_sql(
    http: httpx.AsyncClient, services: Services, owner: Account, method: str, siblings: int
) -> None:
    # given sibling `publicScripts { totalCount }` (248 took half a second of validation
    # before; over GET, 60 of them fit in the 8 KiB a request target may have)
    with count_statements(services.engine) as sql:
        body = await send(http, method, sibling_fields(siblings), owner.token)
    # then it is refused (over the field or the repeated-field limit), before any SQL
    refused(body)
    assert sql.count == 0


async def test_the_248_sibling_fields_over_get_are_refused_by_the_transport(
    http: httpx.AsyncClient, services: Services, owner: Account
) -> None:
    # given the 248 siblings in a GET query (a target over 8 KiB)
    headers = {"authorization": f"Bearer {owner.token}"}
    with count_statements(services.engine) as sql:
        response = await http.get(
            "/graphql", params={"query": sibling_fields(248)}, headers=headers
        )
    # then the transport refuses it before GraphQL sees it, and no SQL ran
    assert response.status_code == 414
    assert response.json()["errors"][0]["extensions"]["code"] == "URI_TOO_LONG"
    assert sql.count == 0


@pytest.mark.parametrize("method", ["POST", "GET"])
async def test_the_dialogue_attack_is_refused_with_its_cost_before_any_sql(
    http: httpx.AsyncClient, services: Services, owner: Account, method: str
) -> None:
    # given 20 aliases of a page of 20 SystemInfos with dialogues and contents (121 MB before)
    with count_statements(services.engine) as sql:
        body = await send(http, method, DIALOGUE_ATTACK, owner.token)
    # then its cost and the limit are in the refusal, and no SQL ran
    error = refused(body)
    assert error["extensions"]["cost"] == 180_820
    assert error["extensions"]["limit"] == 30_000
    assert sql.count == 0


async def seed_full_screen(services: Services, owner: Account) -> None:
    """20 SystemInfos, each linking the same 50 books and 50 materials of 3,000 characters."""
    user = user_pk(owner)
    times = stamps(MAX_LINKS)
    async with services.sessions.begin() as session:
        books = await insert_returning_ids(
            session,
            RefBook,
            [
                {
                    "user_id": user,
                    "author": f"a{i}",
                    "title": f"t{i}",
                    "created_at": t,
                    "updated_at": t,
                }
                for i, t in enumerate(times)
            ],
        )
        datas = await insert_returning_ids(
            session,
            RefData,
            [
                {"user_id": user, "title": f"m{i}", "created_at": t, "updated_at": t}
                for i, t in enumerate(times)
            ],
        )
        await session.execute(
            insert(RefDataContent), [{"ref_data_id": pk, "text": CONTENT} for pk in datas]
        )
        infos = await insert_returning_ids(
            session,
            SystemInfo,
            [
                {
                    "user_id": user,
                    "language": "EN",
                    "major": "Physics",
                    "understanding_level": 3,
                    "created_at": t,
                    "updated_at": t,
                }
                for t in stamps(20)
            ],
        )
        for link, column, targets in (
            (SystemInfoRefBook, "ref_book_id", books),
            (SystemInfoRefData, "ref_data_id", datas),
        ):
            await session.execute(
                insert(link),
                [
                    {"system_info_id": info, column: target, "position": position}
                    for info in infos
                    for position, target in enumerate(targets)
                ],
            )


async def test_an_ordinary_screen_at_its_largest_still_runs(
    gql: GraphQLClient, services: Services, owner: Account
) -> None:
    # given 20 SystemInfos each linked to 50 books and 50 materials of 3,000 characters
    await seed_full_screen(services, owner)
    # when the screen asks for a page of them with links, contents and dialogues
    data = assert_no_errors(await gql(ORDINARY_SCREEN, token=owner.token))
    # then all of it comes back (about 6 MB: under the cost limit and the byte cap)
    edges = data["systemInfos"]["edges"]
    assert len(edges) == 20
    node = edges[0]["node"]
    assert len(node["refBooks"]) == len(node["refDatas"]) == MAX_LINKS
    assert node["refDatas"][0]["content"] == CONTENT
    assert len(node["generatedDialogue"]) == 1 + (MAX_LINKS + 2) * 2 + 2


async def test_the_cost_is_read_from_each_requests_variables(
    settings: Settings, owner: Account
) -> None:
    # given a cost limit of 100: a page of n materials costs 1 + 2n
    async with app_with(settings, max_query_cost=100) as app:
        token = owner.token
        # when the same document asks for 5 rows, then for 50
        small = await app.gql(PAGE, {"n": 5}, token=token)
        with count_statements(app.services.engine) as sql:
            large = await app.gql(PAGE, {"n": 50}, token=token)
        # then the first runs and the second is refused with its own cost, before any SQL
        assert assert_no_errors(small)["refDatas"]["edges"] == []
        error = assert_error_code(large, "QUERY_TOO_COMPLEX")
        assert error["extensions"] == {"code": "QUERY_TOO_COMPLEX", "cost": 101, "limit": 100}
        assert sql.count == 0


async def test_an_answer_over_the_byte_cap_is_not_sent(
    settings: Settings, services: Services, owner: Account
) -> None:
    # given a byte cap of 16 KiB and materials of 3,000 characters (`services`: cleaned after)
    await seed_full_screen(services, owner)
    async with app_with(settings, max_response_bytes=16 * 1024) as app:
        # when their contents are asked for (about 30 KB)
        response = await app.http.post(
            "/graphql",
            json={"query": CONTENTS},
            headers={"authorization": f"Bearer {owner.token}"},
        )
        # then the client gets a short error with a code instead of the answer
        assert response.status_code == 200
        assert len(response.content) < 1024
        body = response.json()
        error = assert_error_code(body, "QUERY_TOO_COMPLEX")
        assert body["data"] is None
        assert error["extensions"]["limit"] == 16 * 1024
        assert error["extensions"]["responseBytes"] > 30_000
        # and a small answer still goes out
        assert_no_errors(await app.gql(TYPENAME))


@pytest.mark.parametrize("document", [UNDEFINED_FRAGMENT, CYCLIC_FRAGMENTS])
async def test_unknown_and_cyclic_fragments_are_validation_errors(
    gql: GraphQLClient, services: Services, document: str
) -> None:
    # an unknown fragment was an INTERNAL_SERVER_ERROR (a KeyError in the depth limiter)
    with count_statements(services.engine) as sql:
        body = await gql(document)
    assert_error_code(body, "GRAPHQL_VALIDATION_FAILED")
    assert sql.count == 0


async def test_introspection_may_not_nest_type_expansions(gql: GraphQLClient) -> None:
    # each level of `fields { type { fields ...` multiplies the answer by the schema's size
    error = refused(await gql(NESTED_INTROSPECTION))
    assert "introspection may expand one level of types" in error["message"]


async def test_parsing_and_validation_stay_cached(app: Starlette, gql: GraphQLClient) -> None:
    # given the checks shared by every request to the app's schema
    checks = app.state.graphql.schema.checks
    document = "query Cached { publicScripts(first: 3) { totalCount } }"
    assert_no_errors(await gql(document))
    parsed, validated = checks.parse.cache_info(), checks.validate.cache_info()
    # when the same document comes again
    assert_no_errors(await gql(document))
    # then it is neither parsed nor validated again
    assert checks.parse.cache_info().misses == parsed.misses
    assert checks.validate.cache_info().misses == validated.misses
    assert checks.validate.cache_info().hits == validated.hits + 1
