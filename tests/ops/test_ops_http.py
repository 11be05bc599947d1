"""Operations endpoints and request observability, in process: /healthz, /readyz, /metrics,
the request log line and X-Request-ID."""

from __future__ import annotations

import io
import logging
import os
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager

import httpx
import orjson
import pytest
from prometheus_client.parser import text_string_to_metric_families
from starlette.applications import Starlette

from main import create_app
from resolvers.ids import from_global_id
from settings import Settings
from tests.documents import SIGN_IN
from tests.utils import Account, GraphQLClient, assert_error_code, assert_no_errors
from web.logs import JsonFormatter, formatter

ME = "query Me { me { id username } }"
BAD_SIGN_IN = SIGN_IN  # same document, wrong password: a RATE_LIMITED error after the limit
UNREACHABLE_REDIS = "redis://127.0.0.1:1/0"
REAL_REDIS = "redis://127.0.0.1:6379/15"


@asynccontextmanager
async def serving(settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    """A second app on the same database with other settings, its lifespan running."""
    app: Starlette = create_app(lambda: settings)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app, client=("127.0.0.1", 50001))
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
            yield client


def samples(text: str) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def value(scrape: dict, name: str, **labels: str) -> float:
    return scrape.get((name, frozenset(labels.items())), 0.0)


@pytest.fixture
def request_log(caplog: pytest.LogCaptureFixture) -> Iterator[pytest.LogCaptureFixture]:
    caplog.set_level(logging.INFO, logger="gpt_supporter.request")
    yield caplog


def request_records(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.name == "gpt_supporter.request"]


async def test_healthz_answers_with_the_worker_pid(http: httpx.AsyncClient) -> None:
    # when a probe asks whether the process is alive, without credentials
    response = await http.get("/healthz")
    # then it is, and it says which process answered
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "pid": os.getpid()}


async def test_readyz_checks_the_database(http: httpx.AsyncClient) -> None:
    # given no Redis configured / when readiness is asked
    response = await http.get("/readyz")
    # then the database answered and Redis is not part of the check
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok"}


async def test_readyz_reports_unreachable_redis_as_degraded_not_unready(
    settings: Settings,
) -> None:
    # given a REDIS_URL where nothing listens
    unreachable = settings.model_copy(update={"redis_url": UNREACHABLE_REDIS})
    async with serving(unreachable) as client:
        # when readiness is asked
        response = await client.get("/readyz")
    # then the replica stays in rotation (throttling falls back to the process), and the
    # body says which dependency failed
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "degraded"
    assert body["database"] == "ok"
    assert body["redis"] != "ok"


async def test_readyz_checks_a_reachable_redis(settings: Settings) -> None:
    # given the real Redis configured
    async with serving(settings.model_copy(update={"redis_url": REAL_REDIS})) as client:
        # when readiness is asked
        response = await client.get("/readyz")
    # then both dependencies answered
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok", "redis": "ok"}


async def test_readyz_is_503_when_the_database_is_unreachable(settings: Settings) -> None:
    # given a database URL whose server does not answer
    down = settings.model_copy(update={"database_url": "mysql+aiomysql://root@127.0.0.1:1/nothing"})
    async with serving(down) as client:
        # when readiness and liveness are asked
        response = await client.get("/readyz")
        alive = await client.get("/healthz")
    # then the replica is not ready, though its process is alive
    assert response.status_code == 503
    assert response.json()["status"] == "unavailable"
    assert response.json()["database"] != "ok"
    assert alive.status_code == 200


async def test_metrics_move_with_traffic(
    http: httpx.AsyncClient, gql: GraphQLClient, alice: Account, settings: Settings
) -> None:
    # given a scrape before any of this test's traffic
    before = samples((await http.get("/metrics")).text)
    # when a named query succeeds twice, one fails unauthenticated, and sign-ins get throttled
    for _ in range(2):
        assert_no_errors(await gql(ME, token=alice.token))
    assert_error_code(await gql(ME), "UNAUTHENTICATED")
    wrong = {"input": {"username": alice.username, "password": "wrong-password-1"}}
    codes = [
        (await gql(BAD_SIGN_IN, wrong))["errors"][0]["extensions"]["code"]
        for _ in range(settings.sign_in_failures_per_username + 1)
    ]
    assert codes[-1] == "RATE_LIMITED"
    response = await http.get("/metrics")
    # then the scrape is Prometheus text and every series moved by what was sent
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    after = samples(response.text)

    def moved(name: str, **labels: str) -> float:
        return value(after, name, **labels) - value(before, name, **labels)

    me = {"operation_name": "Me", "operation_type": "query"}
    sign_in = {"operation_name": "SignIn", "operation_type": "mutation"}
    assert moved("gpts_graphql_requests_total", **me) == 3
    assert moved("gpts_graphql_request_duration_seconds_count", **me) == 3
    assert moved("gpts_graphql_request_duration_seconds_bucket", le="+Inf", **me) == 3
    assert moved("gpts_graphql_errors_total", code="UNAUTHENTICATED", **me) == 1
    assert moved("gpts_graphql_requests_total", **sign_in) == len(codes)
    assert moved("gpts_graphql_errors_total", code="RATE_LIMITED", **sign_in) == 1
    assert moved("gpts_rate_limit_rejections_total", operation_name="SignIn") == 1
    # the pool gauge is there (nothing is checked out between requests)
    assert ("gpts_db_pool_connections_in_use", frozenset()) in after


async def test_unparseable_and_anonymous_operations_get_bounded_labels(
    http: httpx.AsyncClient, gql: GraphQLClient
) -> None:
    # given a scrape / when an anonymous query and a syntax error arrive
    before = samples((await http.get("/metrics")).text)
    assert_no_errors(await gql("{ __typename }"))
    assert_error_code(await gql("query {"), "GRAPHQL_PARSE_FAILED")
    after = samples((await http.get("/metrics")).text)
    # then they count under fixed labels, not under whatever the client sent
    anonymous = {"operation_name": "anonymous", "operation_type": "query"}
    broken = {"operation_name": "anonymous", "operation_type": "unknown"}
    total = "gpts_graphql_requests_total"
    assert value(after, total, **anonymous) - value(before, total, **anonymous) == 1
    assert value(after, total, **broken) - value(before, total, **broken) == 1
    errors = "gpts_graphql_errors_total"
    parse = {"code": "GRAPHQL_PARSE_FAILED", **broken}
    assert value(after, errors, **parse) - value(before, errors, **parse) == 1


async def test_sign_in_log_line_has_no_password_or_token(
    gql: GraphQLClient, alice: Account, request_log: pytest.LogCaptureFixture
) -> None:
    # given a user's sign-in, sent with its password and an old token in the headers
    request_log.clear()
    response = await gql.http.post(
        "/graphql",
        json={
            "query": SIGN_IN,
            "variables": {"input": {"username": alice.username, "password": alice.password}},
        },
        headers={"authorization": f"Bearer {alice.token}"},
    )
    tokens = assert_no_errors(response.json())["signIn"]
    # then one request line was written, as JSON with the request's facts
    [record] = request_records(request_log)
    line = JsonFormatter().format(record)
    entry = orjson.loads(line)
    assert entry["request_id"] == response.headers["x-request-id"]
    assert entry["operation_name"] == "SignIn"
    assert entry["operation_type"] == "mutation"
    assert entry["status"] == 200
    assert entry["duration_ms"] > 0
    # and no secret of the request or the response appears in it
    for secret in (alice.password, alice.token, tokens["accessToken"], tokens["refreshToken"]):
        assert secret not in line
        assert secret not in request_log.text


async def test_log_line_names_the_signed_in_user(
    gql: GraphQLClient, alice: Account, request_log: pytest.LogCaptureFixture
) -> None:
    # given a signed-in user / when they ask who they are
    request_log.clear()
    assert_no_errors(await gql(ME, token=alice.token))
    # then the request's line carries their user id, and the error codes of none
    [record] = request_records(request_log)
    decoded = from_global_id(alice.id)
    assert decoded is not None
    assert record.user_id == decoded[1]  # type: ignore[attr-defined]
    assert record.error_codes is None  # type: ignore[attr-defined]


async def test_request_id_is_generated_or_taken_from_a_sane_header(
    http: httpx.AsyncClient,
) -> None:
    # when requests arrive without an id, with a plain one, and with one that is not plain
    generated = await http.get("/healthz")
    kept = await http.get("/healthz", headers={"x-request-id": "edge-42.abc:1"})
    replaced = await http.get("/healthz", headers={"x-request-id": "bad id\twith spaces"})
    too_long = await http.get("/healthz", headers={"x-request-id": "a" * 65})
    # then each response names its id; a plain incoming one is kept, others are replaced
    assert len(generated.headers["x-request-id"]) == 32
    assert kept.headers["x-request-id"] == "edge-42.abc:1"
    assert replaced.headers["x-request-id"] not in ("", "bad id\twith spaces")
    assert len(too_long.headers["x-request-id"]) == 32
    assert generated.headers["x-request-id"] != replaced.headers["x-request-id"]


def test_log_format_is_json_in_production_and_text_in_development(tmp_path) -> None:
    # given settings for each environment, with and without LOG_FORMAT
    common = {"secret_key": "x" * 40, "secret_key_file": tmp_path / "key", "redis_url": None}
    development = {**common, "app_env": "development", "database_url": "sqlite+aiosqlite://"}
    production = {**common, "app_env": "production", "database_url": "mysql+aiomysql://h/d"}
    # then production logs JSON and development text, unless LOG_FORMAT says otherwise
    assert Settings(**production, log_format=None).log_json
    assert not Settings(**development, log_format=None).log_json
    assert not Settings(**production, log_format="text").log_json
    assert Settings(**development, log_format="json").log_json


def test_json_log_lines_are_one_object_each() -> None:
    # given a logger writing through the JSON formatter
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(formatter(json=True))
    logger = logging.getLogger("gpt_supporter.test_json")
    logger.addHandler(handler)
    logger.propagate = False
    try:
        # when a line with extra fields and a multi-line message is logged
        logger.warning("first\nsecond", extra={"request_id": "r-1", "user_id": 7})
    finally:
        logger.removeHandler(handler)
    # then it is a single line holding one JSON object with those fields
    [line] = stream.getvalue().splitlines()
    entry = orjson.loads(line)
    assert entry["message"] == "first\nsecond"
    assert entry["level"] == "WARNING"
    assert entry["logger"] == "gpt_supporter.test_json"
    assert entry["request_id"] == "r-1"
    assert entry["user_id"] == 7
    assert entry["pid"] == os.getpid()
