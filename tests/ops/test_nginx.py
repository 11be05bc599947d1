"""docker/nginx.conf for real: Debian's nginx in front of the production command.

nginx runs as a foreground process with its own prefix in a temporary directory, listening on
a loopback port; the shipped file is used as it is but for its upstream and listen addresses
and its two timeouts (shortened so the slow cases take a second), each substitution checked.
The app behind it is docker/entrypoint.sh (gunicorn, one uvicorn worker) trusting nginx's
X-Forwarded-For (FORWARDED_ALLOW_IPS, default 127.0.0.1). Clients connect from other loopback
addresses (127.0.0.2, 127.0.0.3), so the address the throttle counts is told apart from
nginx's own. No database server is involved: this runs once, in the SQLite pass.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import orjson
import pytest

from tests.databases import BACKEND
from tests.documents import SIGN_IN, SIGN_UP
from tests.ops.test_serve_commands import command_line, serve_env
from tests.processes import ROOT
from tests.servers import Service, free_port, raw_exchange, start_service

pytestmark = pytest.mark.skipif(
    BACKEND == "mysql", reason="no database server involved: runs once, in the SQLite pass"
)

SHIPPED = ROOT / "docker" / "nginx.conf"
NGINX = "/usr/sbin/nginx"
ADDRESS_LIMIT = 3
MIB = 1024 * 1024
PASSWORD = "correct-horse-1"
MAIN_CONF = """
daemon off;
worker_processes 1;
pid {prefix}/nginx.pid;
error_log {prefix}/error.log info;
events {{ worker_connections 256; }}
http {{
    access_log {prefix}/access.log;
    client_body_temp_path {prefix}/temp/client_body;
    proxy_temp_path {prefix}/temp/proxy;
    fastcgi_temp_path {prefix}/temp/fastcgi;
    uwsgi_temp_path {prefix}/temp/uwsgi;
    scgi_temp_path {prefix}/temp/scgi;
    include {prefix}/site.conf;
}}
"""


def substitute(text: str, old: str, new: str) -> str:
    """`old` replaced by `new`, where the shipped file has it exactly once."""
    assert text.count(old) == 1, f"docker/nginx.conf no longer has {old!r} once"
    return text.replace(old, new)


def site_config(app_port: int, nginx_port: int) -> str:
    site = SHIPPED.read_text()
    site = substitute(site, "server app:8000 ", f"server 127.0.0.1:{app_port} ")
    site = substitute(site, "listen 80;", f"listen 127.0.0.1:{nginx_port};")
    site = substitute(site, "client_header_timeout 10s;", "client_header_timeout 1s;")
    return substitute(site, "client_body_timeout 10s;", "client_body_timeout 1s;")


@pytest.fixture(scope="module")
def app_server(migrated_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Service]:
    """The production command on the migrated test database, with a small address limit."""
    port = free_port()
    env = serve_env(
        migrated_url,
        port,
        SIGN_IN_FAILURES_PER_ADDRESS=str(ADDRESS_LIMIT),
        SIGN_IN_FAILURES_PER_USERNAME="1000",
        SIGN_UPS_PER_ADDRESS="1000",
    )
    log = tmp_path_factory.mktemp("behind-nginx") / "gunicorn.log"
    service = start_service(
        "docker/entrypoint.sh", command_line("docker/entrypoint.sh", port), env, port, log
    )
    try:
        yield service
    finally:
        service.stop()


@pytest.fixture(scope="module")
def prefix() -> Iterator[Path]:
    """nginx's prefix: readable by its workers (user nobody), temp dirs writable by them."""
    subprocess.run([str(ROOT / "scripts" / "ensure-nginx.sh")], check=True, capture_output=True)
    directory = Path(tempfile.mkdtemp(prefix="gpts-nginx-"))
    directory.chmod(0o755)
    for name in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"):
        (directory / "temp" / name).mkdir(parents=True)
        (directory / "temp" / name).chmod(0o777)
    try:
        yield directory
    finally:
        shutil.rmtree(directory, ignore_errors=True)


def nginx_args(prefix: Path, *extra: str) -> list[str]:
    conf = prefix / "nginx.conf"
    return [NGINX, "-p", str(prefix), "-e", str(prefix / "error.log"), "-c", str(conf), *extra]


@pytest.fixture(scope="module")
def config_test(prefix: Path, app_server: Service) -> subprocess.CompletedProcess[str]:
    """`nginx -t` on the shipped site, templated to the app's and nginx's loopback ports."""
    nginx_port = free_port()
    (prefix / "site.conf").write_text(site_config(app_server.port, nginx_port))
    (prefix / "nginx.conf").write_text(MAIN_CONF.format(prefix=prefix))
    (prefix / "port").write_text(str(nginx_port))
    return subprocess.run(nginx_args(prefix, "-t"), capture_output=True, text=True)


@pytest.fixture(scope="module")
def nginx(
    prefix: Path, config_test: subprocess.CompletedProcess[str], app_server: Service
) -> Iterator[Service]:
    assert config_test.returncode == 0, config_test.stderr
    port = int((prefix / "port").read_text())
    service = start_service("nginx", nginx_args(prefix), {}, port, prefix / "stdout.log")
    try:
        yield service
    finally:
        service.stop()
        print((prefix / "error.log").read_text()[-2000:])


def client_at(address: str) -> httpx.AsyncClient:
    """A client whose connections come from `address` (any of 127.0.0.0/8 is loopback)."""
    return httpx.AsyncClient(transport=httpx.AsyncHTTPTransport(local_address=address), timeout=30)


@pytest.fixture
async def client() -> AsyncIterator[httpx.AsyncClient]:
    async with client_at("127.0.0.2") as http:
        yield http


def test_nginx_accepts_the_shipped_config(config_test: subprocess.CompletedProcess[str]) -> None:
    # given the shipped site, its upstream and listen addresses on loopback
    # then `nginx -t` finds it valid
    assert config_test.returncode == 0, config_test.stderr
    assert "syntax is ok" in config_test.stderr
    assert "test is successful" in config_test.stderr


async def test_requests_are_proxied_to_the_service(
    nginx: Service, client: httpx.AsyncClient
) -> None:
    # when a probe and a query go through nginx
    alive = await client.get(f"{nginx.url}/healthz")
    answer = await client.post(f"{nginx.url}/graphql", json={"query": "{ __typename }"})
    # then the app answers both, and sees nginx's request id
    assert alive.status_code == 200 and "pid" in alive.json()
    assert answer.json() == {"data": {"__typename": "Query"}}
    request_id = answer.headers["x-request-id"]
    assert len(request_id) == 32 and int(request_id, 16) >= 0


INTERNAL = {"metrics": b"# HELP", "readyz": b'"database"'}
SPELLINGS = ["/{}", "/{}?name[]=x", "//{}", "/./{}", "/{}/"]
CASES = [
    *((endpoint, spelling.format(endpoint)) for endpoint in INTERNAL for spelling in SPELLINGS),
    ("metrics", "/%6Detrics"),
    ("readyz", "/%72eadyz"),
]


@pytest.mark.parametrize(("endpoint", "path"), CASES)
async def test_internal_endpoints_are_not_exposed(
    nginx: Service,
    app_server: Service,
    client: httpx.AsyncClient,
    endpoint: str,
    path: str,
) -> None:
    # given what the app serves to whoever reaches it directly (metrics, readiness)
    direct = await client.get(f"{app_server.url}/{endpoint}")
    assert direct.status_code == 200 and INTERNAL[endpoint] in direct.content
    # when it is asked for through nginx, in any spelling of the path
    exchange = raw_exchange(
        nginx.port, f"GET {path} HTTP/1.1\r\nHost: api\r\n\r\n".encode(), await_close=False
    )
    # then nginx does not hand it out
    assert exchange.status != 200, exchange
    assert INTERNAL[endpoint] not in exchange.body and b"gpts_" not in exchange.body


async def test_a_body_over_client_max_body_size_is_413_from_nginx(
    nginx: Service, client: httpx.AsyncClient
) -> None:
    # given bodies of exactly 1 MiB and one byte more (an unused variable pads them)
    def padded(size: int) -> bytes:
        empty = orjson.dumps({"query": "{ __typename }", "variables": {"pad": ""}})
        return orjson.dumps(
            {"query": "{ __typename }", "variables": {"pad": "x" * (size - len(empty))}}
        )

    headers = {"content-type": "application/json"}
    fits = await client.post(f"{nginx.url}/graphql", content=padded(MIB), headers=headers)
    over = await client.post(f"{nginx.url}/graphql", content=padded(MIB + 1), headers=headers)
    # then the first reaches the app, the second is refused by nginx, GraphQL-shaped
    assert fits.json() == {"data": {"__typename": "Query"}}
    assert over.status_code == 413
    assert over.headers["content-type"] == "application/json"
    assert over.json()["errors"][0]["extensions"]["code"] == "PAYLOAD_TOO_LARGE"


async def test_nginx_refusals_of_long_targets_and_header_lines_are_graphql_shaped(
    nginx: Service,
) -> None:
    # when the target is over 8 KiB, or one header line is
    long_target = raw_exchange(
        nginx.port, b"GET /healthz?" + b"x" * 9000 + b" HTTP/1.1\r\nHost: api\r\n\r\n"
    )
    long_header = raw_exchange(
        nginx.port, b"GET /healthz HTTP/1.1\r\nHost: api\r\nX-Pad: " + b"x" * 9000 + b"\r\n\r\n"
    )
    # then nginx refuses them with the app's codes
    assert long_target.status == 414, long_target
    assert long_target.json()["errors"][0]["extensions"]["code"] == "URI_TOO_LONG"
    assert long_header.status == 431, long_header
    code = long_header.json()["errors"][0]["extensions"]["code"]
    assert code == "REQUEST_HEADER_FIELDS_TOO_LARGE"


async def test_the_throttle_counts_the_client_address_that_nginx_forwards(
    nginx: Service, client: httpx.AsyncClient
) -> None:
    url = f"{nginx.url}/graphql"

    async def sign_in(http: httpx.AsyncClient, username: str, **headers: str) -> str | None:
        variables = {"input": {"username": username, "password": PASSWORD}}
        body = (
            await http.post(url, json={"query": SIGN_IN, "variables": variables}, headers=headers)
        ).json()
        return body["errors"][0]["extensions"]["code"] if body.get("errors") else None

    account = {"username": "proxied", "email": "proxied@example.com", "password": PASSWORD}
    await client.post(url, json={"query": SIGN_UP, "variables": {"input": account}})
    # given the per-address limit used up from 127.0.0.2, through nginx, each attempt
    # claiming another address in its own X-Forwarded-For
    for number in range(ADDRESS_LIMIT):
        spoofed = {"x-forwarded-for": f"198.51.100.{number}"}
        assert await sign_in(client, f"ghost{number}", **spoofed) == "UNAUTHENTICATED"
    # when the real user signs in from that address, then it is refused: nginx replaced the
    # claimed addresses with the connection's, and the app counted that one
    assert await sign_in(client, "proxied") == "RATE_LIMITED"
    # while from 127.0.0.3, through the same nginx (so the same peer for the app), it works
    async with client_at("127.0.0.3") as other:
        assert await sign_in(other, "proxied") is None


def test_a_head_that_trickles_is_cut_off_by_client_header_timeout(nginx: Service) -> None:
    # when the headers come one byte every quarter second (client_header_timeout 1s here)
    first = b"GET /healthz HTTP/1.1\r\nHost: api\r\n"
    rest = b"X-Slow: " + b"s" * 30 + b"\r\n\r\n"
    exchange = raw_exchange(nginx.port, first, rest)
    # then nginx closes the connection before the head is complete; the app never sees it
    assert exchange.closed
    assert exchange.status in (None, 408), exchange
    assert exchange.sent < len(first) + len(rest)


def test_a_body_that_stalls_is_cut_off_by_client_body_timeout(nginx: Service) -> None:
    # when a body comes one byte every 2 s (client_body_timeout 1s here: between reads)
    body = b'{"query": "{ __typename }"}'
    head = (
        b"POST /graphql HTTP/1.1\r\nHost: api\r\nContent-Type: application/json\r\n"
        b"Content-Length: %d\r\n\r\n" % len(body)
    )
    exchange = raw_exchange(nginx.port, head, body, every=2.0)
    # then nginx gives up on it after the first pause, and closes the connection
    assert exchange.closed
    assert exchange.status in (None, 408), exchange
    assert exchange.sent < len(head) + len(body)
