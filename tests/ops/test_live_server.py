"""Against real uvicorn processes: the throttle shared by two processes through Redis, the body
limit over real HTTP, and a schemathesis fuzzing run with a signed-in user."""

from __future__ import annotations

import asyncio
import collections
import os
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast

import httpx
import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, Phase, given
from hypothesis import settings as hypothesis_settings
from hypothesis.errors import Unsatisfiable
from schemathesis.generation import GenerationMode

from tests.api.test_throttle import REDIS_URL, drop_keys
from tests.documents import SIGN_IN, SIGN_UP
from tests.hardening import leaks_internals
from tests.servers import Server, start_server

PASSWORD = "correct-horse-1"
USERNAME_LIMIT = 4
# Per operation (query or mutation field) and generation mode (valid and invalid inputs).
# FUZZ_EXAMPLES / FUZZ_BUDGET_SECONDS in the environment make a longer exploratory run.
FUZZ_EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "10"))
FUZZ_BUDGET_SECONDS = float(os.environ.get("FUZZ_BUDGET_SECONDS", "45"))


@pytest.fixture(scope="module")
def password_checks_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Where both servers count their password verifications (tests/counted_app.py)."""
    return tmp_path_factory.mktemp("checks") / "password-checks"


def password_checks(path: Path) -> int:
    return path.stat().st_size if path.exists() else 0


@pytest.fixture(scope="module")
def servers(
    migrated_url: str, tmp_path_factory: pytest.TempPathFactory, password_checks_file: Path
) -> Iterator[list[Server]]:
    """Two separate uvicorn processes on one database, sharing one Redis key prefix."""
    prefix = f"gpts-test:{uuid.uuid4().hex[:12]}:"
    log_dir = tmp_path_factory.mktemp("live")
    env: dict[str, str | int | float] = {
        "password_checks_file": str(password_checks_file),
        "redis_url": REDIS_URL,
        "redis_key_prefix": prefix,
        "sign_in_failures_per_username": USERNAME_LIMIT,
        # The fuzzer signs up and fails sign-ins by the hundred from one address.
        "sign_in_failures_per_address": 100_000,
        "sign_ups_per_address": 100_000,
    }
    started: list[Server] = []
    try:
        # Started together, so their imports and startups overlap.
        for _ in range(2):
            started.append(
                start_server(migrated_url, log_dir, env, wait=False, app="tests.counted_app:app")
            )
        for server in started:
            server.wait_ready()
        yield started
    finally:
        for server in started:
            server.stop()
        drop_keys(prefix)


@pytest.fixture
async def client() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(timeout=30) as http:
        yield http


async def call(
    http: httpx.AsyncClient, server: Server, query: str, variables: dict[str, Any]
) -> dict[str, Any]:
    response = await http.post(
        f"{server.url}/graphql", json={"query": query, "variables": variables}
    )
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def sign_up(http: httpx.AsyncClient, server: Server, username: str) -> None:
    body = await call(
        http,
        server,
        SIGN_UP,
        {"input": {"username": username, "email": f"{username}@example.com", "password": PASSWORD}},
    )
    assert "errors" not in body, body


async def sign_in(
    http: httpx.AsyncClient, server: Server, username: str, password: str = PASSWORD
) -> dict[str, Any]:
    return await call(
        http, server, SIGN_IN, {"input": {"username": username, "password": password}}
    )


def code(body: dict[str, Any]) -> str | None:
    errors = body.get("errors")
    return errors[0]["extensions"]["code"] if errors else None


async def test_failed_sign_ins_are_limited_across_two_processes(
    servers: list[Server], client: httpx.AsyncClient, services: Any
) -> None:
    first, second = servers
    await sign_up(client, first, "mallory")
    # given failed sign-ins spread over both processes, up to the shared limit (2 + 2)
    for attempt in range(USERNAME_LIMIT):
        server = servers[attempt % 2]
        assert code(await sign_in(client, server, "mallory", "wrong-pass-1")) == "UNAUTHENTICATED"
    # when the right password comes to either process
    for server in (first, second):
        body = await sign_in(client, server, "mallory")
        # then both refuse: each saw only two failures itself, the shared count is four
        assert code(body) == "RATE_LIMITED", body
        assert isinstance(body["errors"][0]["extensions"]["retryAfter"], int)


async def test_a_burst_over_two_processes_checks_at_most_the_limit(
    servers: list[Server], client: httpx.AsyncClient, password_checks_file: Path, services: Any
) -> None:
    await sign_up(client, servers[0], "burstee")
    before = password_checks(password_checks_file)
    # when 40 wrong sign-ins for one username arrive at once, half at each process
    bodies = await asyncio.gather(
        *(sign_in(client, servers[n % 2], "burstee", "wrong-pass-1") for n in range(40))
    )
    # then the shared count let exactly the limit be checked, over both processes together
    assert password_checks(password_checks_file) - before == USERNAME_LIMIT
    answers = collections.Counter(code(body) for body in bodies)
    assert answers == {"UNAUTHENTICATED": USERNAME_LIMIT, "RATE_LIMITED": 40 - USERNAME_LIMIT}
    # and the right password is refused by either process, unchecked
    for server in servers:
        assert code(await sign_in(client, server, "burstee")) == "RATE_LIMITED"
    assert password_checks(password_checks_file) - before == USERNAME_LIMIT


async def test_a_streamed_oversized_body_gets_413_over_http(servers: list[Server]) -> None:
    # given a real socket and a 2 MiB body in chunks, with no Content-Length
    async def chunks() -> AsyncIterator[bytes]:
        for _ in range(32):
            yield b"x" * 65536

    async with httpx.AsyncClient(timeout=30) as http:
        response = await http.post(
            f"{servers[0].url}/graphql",
            content=chunks(),
            headers={"content-type": "application/json"},
        )
    # then the server refuses it once the limit is passed
    assert response.status_code == 413
    assert response.json()["errors"][0]["extensions"]["code"] == "PAYLOAD_TOO_LARGE"


@dataclass
class FuzzReport:
    requests: int = 0
    in_schema: int = 0
    operations: set[str] = field(default_factory=set)
    codes: dict[str, int] = field(default_factory=dict)
    failures: list[str] = field(default_factory=list)


def check_response(report: FuzzReport, label: str, body: Any, response: Any) -> None:
    """No 5xx, no INTERNAL_SERVER_ERROR, no traceback or SQL in what the client sees."""
    report.requests += 1
    report.operations.add(label)
    text = response.text
    problem = None
    if response.status_code >= 500:
        problem = f"HTTP {response.status_code}"
    elif "INTERNAL_SERVER_ERROR" in text:
        problem = "INTERNAL_SERVER_ERROR"
    elif leaks_internals(text, sent=str(body)):
        problem = "internals in the body"
    else:
        try:
            for error in response.json().get("errors") or []:
                name = error.get("extensions", {}).get("code", "?")
                report.codes[name] = report.codes.get(name, 0) + 1
        except ValueError:
            problem = "not JSON"
    if problem:
        report.failures.append(f"{label}: {problem}\n  request: {body!r:.400}\n  {text[:400]}")


def fuzz(graphql_url: str, token: str, examples: int, budget: float) -> FuzzReport:
    schema = schemathesis.graphql.from_url(graphql_url)
    session = requests.Session()
    session.headers["authorization"] = f"Bearer {token}"
    report = FuzzReport()
    stop_at = time.monotonic() + budget
    operations = [cast(Any, result).ok() for result in schema.get_all_operations()]
    report.in_schema = len(operations)
    for operation in operations:
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            if time.monotonic() > stop_at:
                return report
            try:
                _fuzz_operation(operation, mode, session, report, examples, stop_at)
            except Unsatisfiable:
                continue
    return report


def _fuzz_operation(
    operation: Any,
    mode: GenerationMode,
    session: requests.Session,
    report: FuzzReport,
    examples: int,
    stop_at: float,
) -> None:
    @hypothesis_settings(
        max_examples=examples,
        deadline=None,
        database=None,
        derandomize=True,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(operation.as_strategy(generation_mode=mode))
    def run(case: Any) -> None:
        if time.monotonic() > stop_at:
            return
        response = case.call(session=session, timeout=30)
        check_response(report, operation.label, case.body, response)

    run()


def test_fuzzing_finds_no_server_errors(
    servers: list[Server], services: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    # given a signed-in user on a live server
    server = servers[0]
    with httpx.Client(timeout=30) as http:
        account = {"username": "fuzzer", "email": "fuzzer@example.com", "password": PASSWORD}
        http.post(f"{server.url}/graphql", json={"query": SIGN_UP, "variables": {"input": account}})
        signed_in = http.post(
            f"{server.url}/graphql",
            json={
                "query": SIGN_IN,
                "variables": {"input": {"username": "fuzzer", "password": PASSWORD}},
            },
        ).json()
    token = signed_in["data"]["signIn"]["accessToken"]
    # when schemathesis sends valid and invalid operations for every field
    report = fuzz(f"{server.url}/graphql", token, FUZZ_EXAMPLES, FUZZ_BUDGET_SECONDS)
    with capsys.disabled():
        print(
            f"\nfuzzing: {report.requests} requests over {len(report.operations)} operations; "
            f"error codes seen: {dict(sorted(report.codes.items()))}"
        )
    # then it really ran, and found nothing
    assert len(report.operations) == report.in_schema >= 27
    assert report.requests >= report.in_schema * FUZZ_EXAMPLES
    assert not report.failures, "\n".join(report.failures[:10])
    assert "Traceback" not in server.output()


def test_fuzz_report_catches_what_it_should(tmp_path: Path) -> None:
    # the checks themselves: a 500, a masked fault, a traceback, SQL text
    @dataclass
    class Fake:
        status_code: int
        text: str

        def json(self) -> Any:
            import json

            return json.loads(self.text)

    report = FuzzReport()
    check_response(report, "ok", None, Fake(200, '{"data": {"me": null}}'))
    check_response(report, "a", None, Fake(502, "bad gateway"))
    check_response(
        report, "b", None, Fake(200, '{"errors":[{"extensions":{"code":"INTERNAL_SERVER_ERROR"}}]}')
    )
    check_response(
        report, "c", None, Fake(200, '{"errors":[{"message":"Traceback (most recent"}]}')
    )
    check_response(report, "d", None, Fake(200, '{"errors":[{"message":"[SQL: SELECT 1]"}]}'))
    # a message quoting what the client sent is no leak
    echoed = '{"errors":[{"message":"found: { email: \\"SELECT 1\\" }"}]}'
    check_response(report, "e", {"query": 'email: "SELECT 1"'}, Fake(200, echoed))
    assert [failure.split(":")[0] for failure in report.failures] == ["a", "b", "c", "d"]
