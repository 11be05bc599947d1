"""The transport's refusals on every documented serve command, over real sockets.

`uvicorn main:app` (plain: only host and port given), the line `make run` serves with
(`make -s serve-command`), and the production command `docker/entrypoint.sh` (gunicorn with
web.worker's uvicorn worker). Each must refuse a head over 64 KiB (431), a request target
over 8 KiB (414; httptools misparsed one over 64 KiB into another query), a head or a body
that trickles past its deadline (408), and hostile JSON in GET parameters (400), each with a
GraphQL-shaped body. No database is involved: this runs once, in the SQLite pass.
"""

from __future__ import annotations

import asyncio
import os
import shlex
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

import orjson
import pytest

from db.migrate import upgrade
from services import build_services
from settings import Settings
from tests.data_api import seed_public_scripts, stamps
from tests.databases import BACKEND
from tests.processes import ROOT, service_env
from tests.servers import Exchange, Service, free_port, raw_exchange, start_service

pytestmark = pytest.mark.skipif(
    BACKEND == "mysql", reason="no database involved: runs once, in the SQLite pass"
)

BIN = Path(sys.executable).parent
COMMANDS = ["uvicorn main:app", "make run", "docker/entrypoint.sh"]
KIB = 1024
DEADLINE_SECONDS = 1
TYPENAME = quote("{ __typename }")


def command_line(command: str, port: int) -> list[str]:
    if command == "uvicorn main:app":
        return [str(BIN / "uvicorn"), "main:app", "--host", "127.0.0.1", "--port", str(port)]
    if command == "make run":
        printed = subprocess.run(
            ["make", "-s", "serve-command", "HOST=127.0.0.1", f"PORT={port}"],
            cwd=ROOT,
            check=True,
            capture_output=True,
            text=True,
        ).stdout
        return shlex.split(printed)
    return [str(ROOT / "docker" / "entrypoint.sh")]


@pytest.fixture(scope="module", params=COMMANDS)
def served(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Service]:
    tmp = tmp_path_factory.mktemp("serve")
    port = free_port()
    env = serve_env(f"sqlite+aiosqlite:///{tmp / 'serve.db'}", port)
    service = start_service(
        request.param, command_line(request.param, port), env, port, tmp / "server.log"
    )
    try:
        yield service
    finally:
        service.stop()


def serve_env(database_url: str, port: int, **extra: str) -> dict[str, str]:
    """The environment of a serve command, with short deadlines so the slow cases are quick."""
    env = service_env(
        database_url,
        PATH=f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}",
        LOG_LEVEL="WARNING",
        BODY_READ_TIMEOUT_SECONDS=str(DEADLINE_SECONDS),
        HEADER_READ_TIMEOUT_SECONDS=str(DEADLINE_SECONDS),
        # for the production command
        HOST="127.0.0.1",
        PORT=str(port),
        WEB_CONCURRENCY="1",
        **extra,
    )
    # gunicorn's config makes its own metrics directory; uvicorn keeps metrics in process.
    env.pop("PROMETHEUS_MULTIPROC_DIR", None)
    return env


def get(path: str, headers: bytes = b"") -> bytes:
    return b"GET " + path.encode() + b" HTTP/1.1\r\nHost: api\r\n" + headers + b"\r\n"


def padding_headers(total: int, line: int = KIB) -> bytes:
    """Header lines of about `line` bytes each, `total` bytes in all."""
    value = b"a" * (line - len(b"X-Pad-0000: \r\n"))
    return b"".join(b"X-Pad-%04d: %s\r\n" % (n, value) for n in range(total // line))


def assert_refused(exchange: Exchange, status: int, code: str) -> None:
    assert exchange.status == status, exchange
    assert exchange.headers["content-type"] == "application/json"
    [error] = exchange.json()["errors"]
    assert error["extensions"]["code"] == code
    assert exchange.closed


def test_a_head_under_64_kib_is_served(served: Service) -> None:
    # given 60 KiB of headers, when they come with a plain query
    exchange = raw_exchange(
        served.port, get(f"/graphql?query={TYPENAME}", padding_headers(60 * KIB)), await_close=False
    )
    # then it is answered
    assert exchange.status == 200, exchange
    assert exchange.json() == {"data": {"__typename": "Query"}}


@pytest.mark.parametrize("shape", ["many-lines", "one-line-of-1-mib"])
def test_a_head_over_64_kib_is_431(served: Service, shape: str) -> None:
    # given a head over 64 KiB: 70 lines of 1 KiB, or one header of 1 MiB
    headers = (
        padding_headers(70 * KIB)
        if shape == "many-lines"
        else padding_headers(KIB * KIB, KIB * KIB)
    )
    # when it is sent
    exchange = raw_exchange(served.port, get("/healthz", headers))
    # then it is refused, and the connection closed
    assert_refused(exchange, 431, "REQUEST_HEADER_FIELDS_TOO_LARGE")


def test_a_target_up_to_8_kib_is_served(served: Service) -> None:
    # given a GET whose target is just under 8 KiB (padded with an unused variable)
    padding = "x" * (8 * KIB - 200)
    path = f"/graphql?query={TYPENAME}&variables=" + quote(f'{{"pad": "{padding}"}}')
    assert len(path) < 8 * KIB
    # then it runs the query it carries
    exchange = raw_exchange(served.port, get(path), await_close=False)
    assert exchange.status == 200, exchange
    assert exchange.json() == {"data": {"__typename": "Query"}}


@pytest.mark.parametrize("size", [9 * KIB, 64 * KIB + 100], ids=["9-kib", "over-64-kib"])
def test_a_target_over_8_kib_is_414(served: Service, size: int) -> None:
    # given a target over 8 KiB; past 64 KiB httptools would see only its first few bytes
    # of query string (16-bit offsets), here the query `{ __typename }` and no padding
    path = f"/graphql?query={TYPENAME}&pad="
    path += "x" * (size - len(path))
    # when it is sent, then it is refused as too long, not run as another request
    assert_refused(raw_exchange(served.port, get(path)), 414, "URI_TOO_LONG")


def test_a_head_that_trickles_is_cut_off(served: Service) -> None:
    # when the headers come one byte every quarter second (10 s for all of them)
    rest = b"X-Slow: " + b"s" * 30 + b"\r\n\r\n"
    exchange = raw_exchange(served.port, b"GET /healthz HTTP/1.1\r\nHost: api\r\n", rest)
    # then the server gives up at its deadline, before the head is complete
    assert_refused(exchange, 408, "REQUEST_TIMEOUT")
    assert exchange.sent < len(b"GET /healthz HTTP/1.1\r\nHost: api\r\n") + len(rest)


def test_a_body_that_trickles_is_cut_off(served: Service) -> None:
    # when a GraphQL body of 40 bytes comes one byte every quarter second
    body = b'{"query": "{ __typename }"}'.ljust(40)
    head = (
        b"POST /graphql HTTP/1.1\r\nHost: api\r\nContent-Type: application/json\r\n"
        b"Content-Length: %d\r\n\r\n" % len(body)
    )
    exchange = raw_exchange(served.port, head, body)
    # then it is cut off at the read deadline, and the connection closed
    assert_refused(exchange, 408, "REQUEST_TIMEOUT")
    assert exchange.sent < len(head) + len(body)


def test_a_body_nobody_reads_does_not_hold_the_connection(served: Service) -> None:
    # when a body trickles to a path that answers without reading it
    head = b"POST /healthz HTTP/1.1\r\nHost: api\r\nContent-Length: 40\r\n\r\n"
    exchange = raw_exchange(served.port, head, b"b" * 40)
    # then the answer comes (GET only there), and the body deadline closes the connection
    assert exchange.status == 405, exchange
    assert exchange.closed


@pytest.mark.parametrize(
    "parameter", ["variables", "extensions"], ids=["deep-variables", "deep-extensions"]
)
def test_deep_json_in_get_parameters_is_400(served: Service, parameter: str) -> None:
    # given `variables` or `extensions` nested 2,000 deep: 4 KB with the brackets sent as
    # they are (percent-encoded, 12 KB, the target alone is over 8 KiB: 414)
    deep = quote('{"a": ') + "[" * 2000 + "]" * 2000 + quote("}")
    path = f"/graphql?query={TYPENAME}&{parameter}={deep}"
    exchange = raw_exchange(served.port, get(path), await_close=False)
    # then it is a bad request, GraphQL-shaped, not a 500
    assert exchange.status == 400, exchange
    assert exchange.json()["errors"][0]["extensions"]["code"] == "BAD_REQUEST"


def test_a_5000_digit_number_in_get_variables_is_400(served: Service) -> None:
    number = quote('{"n": ' + "7" * 5000 + "}")
    path = f"/graphql?query={TYPENAME}&variables={number}"
    exchange = raw_exchange(served.port, get(path), await_close=False)
    assert exchange.status == 400, exchange
    assert exchange.json()["errors"][0]["extensions"]["code"] == "BAD_REQUEST"
    assert "Traceback" not in served.output()


# 6 aliases of a page of 100 public scripts, each with 10 scripts of 3,000 characters: an
# answer of some 18 MB, under the cost limit, that no socket buffer holds.
BIG_ANSWER = (
    "{ "
    + " ".join(
        f"p{i}: publicScripts(first: 100) {{ edges {{ node {{ scripts {{ text }} }} }} }}"
        for i in range(6)
    )
    + " }"
)


async def test_a_response_nobody_reads_is_cut_off(
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    # given plain `uvicorn main:app` on a database of large public scripts, with a short
    # write deadline
    tmp = tmp_path_factory.mktemp("unread")
    url = f"sqlite+aiosqlite:///{tmp / 'unread.db'}"
    await upgrade(url)
    await seed_big_public_scripts(url)
    port = free_port()
    env = serve_env(url, port, RESPONSE_WRITE_TIMEOUT_SECONDS=str(DEADLINE_SECONDS))
    service = start_service(
        "uvicorn main:app", command_line("uvicorn main:app", port), env, port, tmp / "log"
    )
    try:
        # when a client asks for the big answer and then reads nothing
        body = orjson.dumps({"query": BIG_ANSWER})
        request = (
            b"POST /graphql HTTP/1.1\r\nHost: api\r\ncontent-type: application/json\r\n"
            b"content-length: " + str(len(body)).encode() + b"\r\n\r\n" + body
        )
        with socket.socket() as sock:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
            sock.connect(("127.0.0.1", port))
            sock.sendall(request)
            await asyncio.sleep(DEADLINE_SECONDS + 4)
            # then the server gave up on it: what arrives ends well short of the answer
            received = drain(sock, limit_seconds=20)
        assert received < 5_000_000, received
        assert "client stopped reading its response" in service.output()
    finally:
        service.stop()


async def seed_big_public_scripts(url: str) -> None:
    services = build_services(Settings(database_url=url, secret_key="s" * 40))
    try:
        await seed_public_scripts(services, stamps(100), scripts_each=10, text_length=3000)
    finally:
        await services.close()


def drain(sock: socket.socket, limit_seconds: float) -> int:
    """Bytes read until the server closes (or resets) the connection."""
    sock.settimeout(limit_seconds)
    total = 0
    while True:
        try:
            chunk = sock.recv(1 << 20)
        except OSError:
            return total
        if not chunk:
            return total
        total += len(chunk)
