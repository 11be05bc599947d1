"""Every operation of the contract through real HTTP against a uvicorn process.

The server runs `uvicorn main:app` as an operator would, on a fresh migrated database of
the selected backend, and the create-admin command makes its admin. Every response, errors
included, must be HTTP 200 with a JSON body (docs/design.md "Errors").
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from graphql import build_schema

from db.migrate import upgrade
from resolvers.ids import to_global_id
from tests import documents as ops
from tests.databases import drop_database, fresh_database_url
from tests.processes import ROOT, create_admin
from tests.servers import start_server
from tests.utils import Account, GraphQLClient, assert_error_code, assert_no_errors

CONTRACT = ROOT / "contract" / "schema.graphql"
START_SECONDS = 60
# Every top-level field answered without an error, to check that all the contract ran.
ran: set[str] = set()


@pytest.fixture(scope="module")
def database(tmp_dir: Path) -> Iterator[str]:
    url = fresh_database_url(tmp_dir, "e2e")
    yield url
    drop_database(url)


@pytest.fixture(scope="module")
async def server(database: str, tmp_dir: Path) -> AsyncIterator[str]:
    await upgrade(database)
    running = start_server(database, tmp_dir, wait=False)
    try:
        await asyncio.to_thread(running.wait_ready, START_SECONDS)
        yield running.url
    finally:
        running.stop()


@pytest.fixture(scope="module")
async def http(server: str) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=server, timeout=30) as client:
        yield client


@pytest.fixture(scope="module")
def gql(http: httpx.AsyncClient) -> GraphQLClient:
    return GraphQLClient(http)


async def ok(
    gql: GraphQLClient, document: str, variables: dict[str, Any] | None = None, token: Any = None
) -> dict[str, Any]:
    """Run an operation that must succeed; remember which contract fields it covered."""
    data = assert_no_errors(await gql(document, variables, token=token))
    ran.update(data)
    return data


async def account(gql: GraphQLClient, username: str) -> Account:
    password = "correct-horse-1"
    email = f"{username}@example.com"
    credentials = {"username": username, "password": password}
    user = (await ok(gql, ops.SIGN_UP, {"input": {**credentials, "email": email}}))["signUp"]
    pair = (await ok(gql, ops.SIGN_IN, {"input": credentials}))["signIn"]
    assert pair["user"]["id"] == user["id"]
    return Account(user["id"], username, email, password, pair["accessToken"], pair["refreshToken"])


@pytest.fixture(scope="module")
async def alice(gql: GraphQLClient) -> Account:
    return await account(gql, "alice")


@pytest.fixture(scope="module")
async def admin(gql: GraphQLClient, database: str) -> Account:
    done = await create_admin(database, "root", "root@example.com", "admin-pass-1")
    assert done.returncode == 0, done.stderr
    credentials = {"username": "root", "password": "admin-pass-1"}
    pair = (await ok(gql, ops.SIGN_IN, {"input": credentials}))["signIn"]
    assert pair["user"]["isAdmin"] is True
    return Account(pair["user"]["id"], "root", "root@example.com", "admin-pass-1", "", "")


async def test_account_lifecycle(gql: GraphQLClient) -> None:
    # given dana signed up and in
    dana = await account(gql, "dana")
    assert (await ok(gql, ops.ME, token=dana.token))["me"]["username"] == "dana"
    assert (await ok(gql, ops.NODE, {"id": dana.id}, dana.token))["node"]["id"] == dana.id
    # when she refreshes, then changes her password
    pair = (await ok(gql, ops.REFRESH_TOKEN, {"refreshToken": dana.refresh_token}))["refreshToken"]
    passwords = {"currentPassword": dana.password, "newPassword": "battery-staple-2"}
    changed = await ok(gql, ops.CHANGE_PASSWORD, {"input": passwords}, pair["accessToken"])
    token = changed["changePassword"]["accessToken"]
    # then the older pair is dead and the new one works
    assert_error_code(await gql(ops.ME, token=pair["accessToken"]), "UNAUTHENTICATED")
    stale = {"refreshToken": pair["refreshToken"]}
    assert_error_code(await gql(ops.REFRESH_TOKEN, stale), "UNAUTHENTICATED")
    await ok(gql, ops.ME, token=token)
    # and deleting her account leaves her token matching no one
    deleted = await ok(gql, ops.DELETE_ACCOUNT, {"password": "battery-staple-2"}, token)
    assert deleted["deleteAccount"] == dana.id
    assert_error_code(await gql(ops.ME, token=token), "UNAUTHENTICATED")


async def test_private_data_round_trip(gql: GraphQLClient, alice: Account) -> None:
    token = alice.token
    # create one of each
    book = await ok(
        gql, ops.CREATE_REF_BOOK, {"input": {"author": "Feynman", "title": "QED"}}, token
    )
    material = await ok(
        gql, ops.CREATE_REF_DATA, {"input": {"title": "Notes", "content": "한국어 🎓"}}, token
    )
    book_id, data_id = book["createRefBook"]["id"], material["createRefData"]["id"]
    links = {"refBookIds": [book_id], "refDataIds": [data_id]}
    info_input = {"language": "KO", "major": "Physics", "understandingLevel": 5, **links}
    info = (await ok(gql, ops.CREATE_SYSTEM_INFO, {"input": info_input}, token))["createSystemInfo"]
    assert [b["id"] for b in info["refBooks"]] == [book_id]
    assert [d["id"] for d in info["refDatas"]] == [data_id]
    dialogue = await ok(gql, ops.GENERATED_DIALOGUE, {"id": info["id"]}, token)
    assert "'Feynman - QED'" in dialogue["systemInfo"]["generatedDialogue"]
    # update each
    await ok(gql, ops.UPDATE_REF_BOOK, {"id": book_id, "input": {"title": "QED 2"}}, token)
    await ok(gql, ops.UPDATE_REF_DATA, {"id": data_id, "input": {"content": "new"}}, token)
    changes = {"id": info["id"], "input": {"dataSequence": True, "refBookIds": []}}
    updated = (await ok(gql, ops.UPDATE_SYSTEM_INFO, changes, token))["updateSystemInfo"]
    assert updated["refBooks"] == [] and updated["dataSequence"] is True
    # read each, by field, by node and through its connection
    assert (await ok(gql, ops.REF_BOOK, {"id": book_id}, token))["refBook"]["title"] == "QED 2"
    assert (await ok(gql, ops.REF_DATA, {"id": data_id}, token))["refData"]["content"] == "new"
    assert (await ok(gql, ops.SYSTEM_INFO, {"id": info["id"]}, token))["systemInfo"]["major"] == (
        "Physics"
    )
    for global_id in (book_id, data_id, info["id"]):
        assert (await ok(gql, ops.NODE, {"id": global_id}, token))["node"]["id"] == global_id
    for field, document, global_id in (
        ("refBooks", ops.REF_BOOKS, book_id),
        ("refDatas", ops.REF_DATAS, data_id),
        ("systemInfos", ops.SYSTEM_INFOS, info["id"]),
    ):
        page = (await ok(gql, document, {"first": 10}, token))[field]
        assert [edge["node"]["id"] for edge in page["edges"]] == [global_id]
        assert page["totalCount"] == 1
    # delete each; a second delete finds nothing
    for field, document, global_id in (
        ("deleteSystemInfo", ops.DELETE_SYSTEM_INFO, info["id"]),
        ("deleteRefBook", ops.DELETE_REF_BOOK, book_id),
        ("deleteRefData", ops.DELETE_REF_DATA, data_id),
    ):
        assert (await ok(gql, document, {"id": global_id}, token))[field] == global_id
        assert_error_code(await gql(document, {"id": global_id}, token=token), "NOT_FOUND")
    assert (await ok(gql, ops.REF_BOOK, {"id": book_id}, token))["refBook"] is None


async def test_public_scripts_round_trip(
    gql: GraphQLClient, admin: Account, alice: Account
) -> None:
    credentials = {"username": admin.username, "password": admin.password}
    token = (await ok(gql, ops.SIGN_IN, {"input": credentials}))["signIn"]["accessToken"]
    script_input = {"name": "Intro", "description": "d" * 120, "scripts": ["One", "Two"]}
    created = await ok(gql, ops.CREATE_PUBLIC_SCRIPT, {"input": script_input}, token)
    script = created["createPublicScript"]
    assert script["descriptionSummary"] == "d" * 100 + "..."
    changes = {"id": script["id"], "input": {"scripts": ["Only"]}}
    updated = (await ok(gql, ops.UPDATE_PUBLIC_SCRIPT, changes, token))["updatePublicScript"]
    assert updated["scripts"] == [{"number": 1, "text": "Only"}]
    # anyone reads it, without a token
    page = (await ok(gql, ops.PUBLIC_SCRIPTS, {"first": 5}))["publicScripts"]
    assert [edge["node"]["id"] for edge in page["edges"]] == [script["id"]]
    assert (await ok(gql, ops.PUBLIC_SCRIPT, {"id": script["id"]}))["publicScript"]["name"] == (
        "Intro"
    )
    assert (await ok(gql, ops.NODE, {"id": script["id"]}))["node"]["__typename"] == "PublicScript"
    # a user may not write it; the admin deletes it
    refused = await gql(ops.DELETE_PUBLIC_SCRIPT, {"id": script["id"]}, token=alice.token)
    assert_error_code(refused, "FORBIDDEN")
    deleted = await ok(gql, ops.DELETE_PUBLIC_SCRIPT, {"id": script["id"]}, token)
    assert deleted["deletePublicScript"] == script["id"]


FAILURES: dict[str, tuple[str, dict[str, Any], str | None]] = {
    "UNAUTHENTICATED": (ops.ME, {}, None),
    "FORBIDDEN": (
        ops.CREATE_PUBLIC_SCRIPT,
        {"input": {"name": "n", "description": "d", "scripts": ["s"]}},
        "alice",
    ),
    "NOT_FOUND": (ops.DELETE_REF_BOOK, {"id": to_global_id("RefBook", 987654321)}, "alice"),
    "BAD_USER_INPUT": (ops.CREATE_REF_BOOK, {"input": {"author": "a", "title": ""}}, "alice"),
    "GRAPHQL_PARSE_FAILED": ("{ me ", {}, None),
    "GRAPHQL_VALIDATION_FAILED": ("{ noSuchField }", {}, None),
}


@pytest.mark.parametrize("code", FAILURES)
async def test_failures_are_http_200_with_a_json_error_code(
    http: httpx.AsyncClient, alice: Account, code: str
) -> None:
    document, variables, who = FAILURES[code]
    headers = {"authorization": f"Bearer {alice.token}"} if who else {}
    response = await http.post(
        "/graphql", json={"query": document, "variables": variables}, headers=headers
    )
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/json")
    error = assert_error_code(response.json(), code)
    assert error["message"]


async def test_get_runs_queries_but_never_mutations(
    http: httpx.AsyncClient, alice: Account
) -> None:
    headers = {"accept": "application/json", "authorization": f"Bearer {alice.token}"}
    query = await http.get("/graphql", params={"query": "{ __typename }"}, headers=headers)
    assert query.status_code == 200
    assert query.json() == {"data": {"__typename": "Query"}}
    # a mutation sent over GET is refused before it runs
    mutation = 'mutation { deleteAccount(password: "correct-horse-1") }'
    refused = await http.get("/graphql", params={"query": mutation}, headers=headers)
    # (the transport's own status, as docs/design.md "Errors" allows, with a GraphQL-shaped body)
    assert refused.status_code == 405, refused.text
    assert refused.headers["content-type"].startswith("application/json")
    assert refused.json()["errors"][0]["message"]
    me = await http.post("/graphql", json={"query": ops.ME}, headers=headers)
    assert me.json()["data"]["me"]["id"] == alice.id


def test_every_contract_operation_ran_over_http() -> None:
    # Runs last in this module: the tests above must have covered the whole contract.
    contract = build_schema(CONTRACT.read_text())
    assert contract.query_type is not None and contract.mutation_type is not None
    wanted = set(contract.query_type.fields) | set(contract.mutation_type.fields)
    assert wanted - ran == set(), f"never ran over HTTP: {sorted(wanted - ran)}"
