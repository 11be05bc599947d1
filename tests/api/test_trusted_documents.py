"""Trusted documents in process: known ids run unparsed, unknown ids and texts per mode.

Each mode runs as its own app on the test database, with one manifest of the documents below.
Parses and validations are counted below strawberry's caches (tests.utils.count_document_work),
so every text sent where a parse must not happen is one no cache has seen.
"""

from __future__ import annotations

import itertools
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import httpx
import orjson
import pytest
from starlette.applications import Starlette

from main import create_app
from schema.manifests import sha256_id
from settings import Settings
from tests.utils import (
    Account,
    assert_error_code,
    assert_no_errors,
    count_document_work,
    count_statements,
)

BOOKS = "query TrustedBooks($first: Int!) { refBooks(first: $first) { edges { node { title } } } }"
ME = "query TrustedMe { me { username } }"
CREATE_BOOK = (
    "mutation TrustedCreateBook($input: CreateRefBookInput!) { createRefBook(input: $input) "
    "{ title } }"
)
MANIFEST = {sha256_id(text): text for text in (BOOKS, ME, CREATE_BOOK)}
BOOKS_ID, ME_ID, CREATE_ID = MANIFEST
UNKNOWN_ID = "sha256:" + "0" * 64
_fresh = itertools.count()


def fresh_text() -> str:
    """A valid document no cache has parsed yet."""
    return f"query Fresh{next(_fresh)} {{ publicScripts(first: 1) {{ totalCount }} }}"


def apollo(document_id: str) -> dict[str, Any]:
    """Apollo's form: the bare hex digest in extensions.persistedQuery."""
    return {"persistedQuery": {"version": 1, "sha256Hash": document_id.removeprefix("sha256:")}}


@pytest.fixture(scope="module")
def manifest_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("trusted") / "persisted-documents.json"
    path.write_bytes(orjson.dumps(MANIFEST))
    return path


@asynccontextmanager
async def app_in_mode(settings: Settings, mode: str, path: Path) -> AsyncIterator[Starlette]:
    app = create_app(
        lambda: settings.model_copy(
            update={"trusted_documents": [path], "trusted_documents_mode": mode}
        )
    )
    async with app.router.lifespan_context(app):
        yield app


class Service:
    def __init__(self, app: Starlette, http: httpx.AsyncClient) -> None:
        self.app = app
        self.http = http

    @property
    def engine(self) -> Any:
        return self.app.state.services.engine

    async def post(self, body: dict[str, Any], token: str | None = None) -> httpx.Response:
        headers = {"authorization": f"Bearer {token}"} if token else {}
        return await self.http.post("/graphql", json=body, headers=headers)

    async def get(self, params: dict[str, Any], token: str | None = None) -> httpx.Response:
        headers = {"authorization": f"Bearer {token}"} if token else {}
        encoded = {
            k: v if isinstance(v, str) else orjson.dumps(v).decode() for k, v in params.items()
        }
        return await self.http.get("/graphql", params=encoded, headers=headers)


@asynccontextmanager
async def service(settings: Settings, mode: str, path: Path) -> AsyncIterator[Service]:
    async with app_in_mode(settings, mode, path) as app:
        transport = httpx.ASGITransport(app=app, client=("127.0.0.1", 50002))
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
            yield Service(app, http)


@pytest.fixture(scope="module")
async def require(settings: Settings, manifest_path: Path) -> AsyncIterator[Service]:
    async with service(settings, "require", manifest_path) as running:
        yield running


@pytest.fixture(scope="module")
async def allow(settings: Settings, manifest_path: Path) -> AsyncIterator[Service]:
    async with service(settings, "allow", manifest_path) as running:
        yield running


@pytest.fixture(scope="module")
async def off(settings: Settings, manifest_path: Path) -> AsyncIterator[Service]:
    async with service(settings, "off", manifest_path) as running:
        yield running


def body_of(response: httpx.Response) -> dict[str, Any]:
    assert response.status_code == 200, (response.status_code, response.text)
    answer = response.json()
    assert isinstance(answer, dict)
    return answer


async def test_a_known_id_runs_without_parsing_or_validating_by_post_and_get(
    require: Service, owner: Account, services: object
) -> None:
    # given a book, and the manifest's book query
    assert_no_errors(
        body_of(
            await require.post(
                {"documentId": CREATE_ID, "variables": {"input": {"author": "A", "title": "T"}}},
                owner.token,
            )
        )
    )
    variables = {"first": 5}
    # when it is asked for by documentId and by Apollo's hash, over POST and GET
    with count_document_work() as work:
        answers = [
            await require.post({"documentId": BOOKS_ID, "variables": variables}, owner.token),
            await require.post(
                {"extensions": apollo(BOOKS_ID), "variables": variables}, owner.token
            ),
            await require.get({"documentId": BOOKS_ID, "variables": variables}, owner.token),
            await require.get(
                {"extensions": apollo(BOOKS_ID), "variables": variables}, owner.token
            ),
        ]
    # then each answers the book, and nothing was parsed or validated for any of them
    expected = {"refBooks": {"edges": [{"node": {"title": "T"}}]}}
    assert [assert_no_errors(body_of(answer)) for answer in answers] == [expected] * 4
    assert (work.parses, work.validations) == (0, 0)


async def test_the_same_document_as_text_is_parsed_and_validated(
    allow: Service, owner: Account, services: object
) -> None:
    # given the allow mode and a text no cache has seen (the counter's positive control)
    text = fresh_text()
    # when it is sent as text
    with count_document_work() as work:
        answer = body_of(await allow.post({"query": text}))
    # then it ran, parsed once and validated once
    assert assert_no_errors(answer)["publicScripts"]["totalCount"] == 0
    assert (work.parses, work.validations) == (1, 1)


@pytest.mark.parametrize("method", ["POST", "GET"])
async def test_require_refuses_a_text_before_parsing_it(
    require: Service, owner: Account, method: str
) -> None:
    # given a valid document sent as text, which no cache has seen, by a signed-in caller
    params = {"query": fresh_text()}
    # when it reaches the service in require mode
    with count_document_work() as work, count_statements(require.engine) as sql:
        sent = require.post if method == "POST" else require.get
        answer = body_of(await sent(params, owner.token))
    # then it is FORBIDDEN, and nothing parsed it and no SQL ran
    error = assert_error_code(answer, "FORBIDDEN")
    assert "documentId" in error["message"]
    assert answer["data"] is None
    assert (work.parses, work.validations, sql.count) == (0, 0, 0)


@pytest.mark.parametrize("mode", ["require", "allow", "off"])
@pytest.mark.parametrize("method", ["POST", "GET"])
async def test_an_unknown_id_is_persisted_query_not_found_in_every_mode(
    require: Service, allow: Service, off: Service, owner: Account, mode: str, method: str
) -> None:
    running = {"require": require, "allow": allow, "off": off}[mode]
    sent = running.post if method == "POST" else running.get
    # when an id the manifest does not hold is asked for, both ways of naming it
    with count_document_work() as work, count_statements(running.engine) as sql:
        by_id = body_of(await sent({"documentId": UNKNOWN_ID}, owner.token))
        by_hash = body_of(await sent({"extensions": apollo(UNKNOWN_ID)}, owner.token))
    # then both are PERSISTED_QUERY_NOT_FOUND (Apollo's link reads it by code), and no work ran
    for answer in (by_id, by_hash):
        assert_error_code(answer, "PERSISTED_QUERY_NOT_FOUND")
    assert (work.parses, sql.count) == (0, 0)


async def test_off_mode_does_not_read_the_manifest(off: Service, owner: Account) -> None:
    # given the off mode with the manifest configured
    # when a manifest id is asked for, then the service does not know it
    assert_error_code(
        body_of(await off.post({"documentId": ME_ID}, owner.token)), "PERSISTED_QUERY_NOT_FOUND"
    )
    # and texts run, under the limits
    assert assert_no_errors(body_of(await off.post({"query": ME}, owner.token)))["me"]


async def test_allow_runs_texts_and_ids(allow: Service, owner: Account) -> None:
    # when the allow mode gets a manifest id and an ad hoc text
    by_id = body_of(await allow.post({"documentId": ME_ID}, owner.token))
    by_text = body_of(await allow.post({"query": "query Who { me { username } }"}, owner.token))
    # then both run
    assert assert_no_errors(by_id) == assert_no_errors(by_text) == {"me": {"username": "carol"}}


async def test_a_text_with_an_unknown_hash_is_not_registered(
    require: Service, allow: Service, owner: Account
) -> None:
    # given a text and its own hash (Apollo's automatic persisted query retry)
    text = fresh_text()
    registration = {"query": text, "extensions": apollo(sha256_id(text))}
    # when require mode gets it, then it is refused unparsed, as an unknown id
    with count_document_work() as work:
        refused = body_of(await require.post(registration, owner.token))
    assert_error_code(refused, "PERSISTED_QUERY_NOT_FOUND")
    assert work.parses == 0
    # when allow mode gets it, then it runs as the ad hoc text it is
    assert_no_errors(body_of(await allow.post(registration, owner.token)))
    # and neither service knows the hash afterwards: nothing was stored
    for running in (require, allow):
        later = body_of(await running.post({"extensions": registration["extensions"]}))
        assert_error_code(later, "PERSISTED_QUERY_NOT_FOUND")


@pytest.mark.parametrize(
    "body",
    [
        {"documentId": ME_ID, "query": BOOKS},
        {"documentId": ME_ID, "extensions": apollo(BOOKS_ID)},
        {"documentId": 12},
        {"extensions": {"persistedQuery": {"version": 2, "sha256Hash": ME_ID[7:]}}},
        {"extensions": {"persistedQuery": "abc"}},
    ],
    ids=["query-differs", "two-ids", "id-not-string", "version-2", "not-an-object"],
)
async def test_a_malformed_id_is_a_bad_request(require: Service, body: dict[str, Any]) -> None:
    # when a request names its document in a contradictory or malformed way
    response = await require.post(body)
    # then the transport refuses it: 400 with a GraphQL-shaped body
    assert response.status_code == 400, response.text
    assert response.json()["errors"][0]["extensions"]["code"] == "BAD_REQUEST"


async def test_an_id_with_its_exact_text_runs(require: Service, owner: Account) -> None:
    # when a known id comes with its own text
    answer = body_of(await require.post({"documentId": ME_ID, "query": ME}, owner.token))
    # then it runs as the stored document
    assert assert_no_errors(answer) == {"me": {"username": "carol"}}


async def test_a_stored_mutation_over_get_is_method_not_allowed(
    require: Service, owner: Account
) -> None:
    # when the manifest's mutation is asked for with GET
    with count_statements(require.engine) as sql:
        response = await require.get(
            {"documentId": CREATE_ID, "variables": {"input": {"author": "A", "title": "T"}}},
            owner.token,
        )
    # then it is refused as GET always refuses a mutation, and nothing was written
    assert response.status_code == 405, response.text
    assert response.headers["allow"] == "POST"
    assert sql.count == 0


async def test_a_stored_document_keeps_its_errors(require: Service, owner: Account) -> None:
    # when the stored `me` runs without a token, and the book query with a wrong variable
    unauthenticated = body_of(await require.post({"documentId": ME_ID}))
    bad_variable = body_of(
        await require.post({"documentId": BOOKS_ID, "variables": {"first": "many"}}, owner.token)
    )
    missing = body_of(await require.post({"documentId": BOOKS_ID}, owner.token))
    # then each has the code it has as text
    assert_error_code(unauthenticated, "UNAUTHENTICATED")
    assert_error_code(bad_variable, "BAD_USER_INPUT")
    assert_error_code(missing, "BAD_USER_INPUT")


async def test_the_request_log_and_metrics_name_the_document(
    require: Service, owner: Account, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="gpt_supporter.request")
    # when a stored document runs, then an unknown id is asked for
    await require.post({"documentId": ME_ID}, owner.token)
    await require.post({"documentId": UNKNOWN_ID}, owner.token)
    # then the request log names the stored document by id and leaves the unknown one out
    lines = [r for r in caplog.records if r.name == "gpt_supporter.request"][-2:]
    assert [getattr(r, "document_id") for r in lines] == [ME_ID, None]  # noqa: B009
    assert getattr(lines[0], "operation_name") == "TrustedMe"  # noqa: B009
    assert getattr(lines[1], "error_codes") == ["PERSISTED_QUERY_NOT_FOUND"]  # noqa: B009
    # and the metrics count the document by its id only
    scrape = (await require.http.get("/metrics")).text
    assert (
        f'gpts_graphql_document_requests_total{{document_id="{ME_ID}",operation_name="TrustedMe"}}'
        in scrape
    )
    assert UNKNOWN_ID not in scrape


async def test_graphiql_still_renders_and_a_get_by_id_is_an_operation(allow: Service) -> None:
    # when a browser asks for /graphql, and a GET names a document with a browser's Accept
    page = await allow.http.get("/graphql", headers={"accept": "text/html"})
    by_id = await allow.http.get(
        "/graphql", params={"documentId": ME_ID}, headers={"accept": "text/html"}
    )
    # then the first is the IDE and the second the operation's answer
    assert page.status_code == 200 and "text/html" in page.headers["content-type"]
    assert by_id.headers["content-type"].startswith("application/json")
    assert_error_code(by_id.json(), "UNAUTHENTICATED")
