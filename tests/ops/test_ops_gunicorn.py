"""The production command as the container runs it: docker/entrypoint.sh, on MariaDB.

One module-scoped deployment: three replicas' `migrate` at once on a fresh database, then
gunicorn with two uvicorn workers. Its tests check that connections spread over both
workers, that one scrape of /metrics adds up both, and (last) that SIGTERM under load
lets every accepted request finish and the master exit within the graceful timeout.
"""

from __future__ import annotations

import asyncio
import itertools
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import orjson
import pymysql
import pytest
from prometheus_client.parser import text_string_to_metric_families

from tests.databases import MYSQL_HOST, MYSQL_PORT, drop_database, fresh_database_url

pytestmark = pytest.mark.mysql_only

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
SECRET = "gunicorn-test-secret-that-is-long-enough-0123456789"
GRACEFUL_TIMEOUT = 15
PING = "query Ping { __typename }"
SIGN_UP = "mutation SignUp($input: SignUpInput!) { signUp(input: $input) { id username } }"


@dataclass
class Deployment:
    url: str
    database: str
    master: subprocess.Popen[bytes]
    log_path: Path
    metrics_dir: Path
    migrations: list[tuple[int, str]] = field(default_factory=list)

    def log_tail(self) -> str:
        lines = self.log_path.read_text().splitlines()
        return "\n".join(line for line in lines if "gpt_supporter.request" not in line)[-4000:]

    def log_entries(self) -> list[dict]:
        entries = []
        for line in self.log_path.read_text().splitlines():
            if line.startswith("{"):
                entries.append(orjson.loads(line))
        return entries


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def query_one(database: str, sql: str) -> tuple:
    with (
        pymysql.connect(host=MYSQL_HOST, port=MYSQL_PORT, user="root", database=database) as conn,
        conn.cursor() as cursor,
    ):
        cursor.execute(sql)
        return cursor.fetchall()


def parent_of(pid: int) -> int:
    # /proc/<pid>/stat: "pid (comm) state ppid ..."; comm may hold spaces, so split after ")".
    stat = Path(f"/proc/{pid}/stat").read_text()
    return int(stat.rsplit(")", 1)[1].split()[1])


def wait_until_ready(url: str, master: subprocess.Popen[bytes], log_path: Path) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        assert master.poll() is None, log_path.read_text()[-3000:]
        try:
            if httpx.get(f"{url}/readyz", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise AssertionError("gunicorn did not become ready:\n" + log_path.read_text()[-3000:])


def samples(text: str) -> dict[tuple[str, frozenset], float]:
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


async def worker_pids(url: str, connections: int = 16) -> set[int]:
    async def ask_pid() -> int:
        async with httpx.AsyncClient(base_url=url, timeout=20) as client:
            response = await client.get("/healthz")
            assert response.status_code == 200
            return int(response.json()["pid"])

    return set(await asyncio.gather(*(ask_pid() for _ in range(connections))))


@pytest.fixture(scope="module")
def deployment(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Deployment]:
    tmp = tmp_path_factory.mktemp("gunicorn")
    database_url = fresh_database_url(tmp, "ops")
    database = database_url.rsplit("/", 1)[1].split("?", 1)[0]
    port = free_port()
    metrics_dir = tmp / "metrics"
    metrics_dir.mkdir()
    # A previous run's samples, which the master must clear before the workers start.
    (metrics_dir / "counter_999999.db").write_bytes(b"stale")
    (metrics_dir / "README").write_text("not prometheus_client's: stays")
    env = {k: v for k, v in os.environ.items() if not k.startswith("PROMETHEUS_")}
    env.update(
        PATH=f"{BIN}{os.pathsep}{env.get('PATH', '')}",
        APP_ENV="production",
        LOG_FORMAT="json",
        DATABASE_URL=database_url,
        SECRET_KEY=SECRET,
        REDIS_URL="",
        HOST="127.0.0.1",
        PORT=str(port),
        WEB_CONCURRENCY="2",
        GRACEFUL_TIMEOUT=str(GRACEFUL_TIMEOUT),
        PROMETHEUS_MULTIPROC_DIR=str(metrics_dir),
        SIGN_UPS_PER_ADDRESS="100000",
        PYTHONUNBUFFERED="1",
    )
    entrypoint = str(ROOT / "docker" / "entrypoint.sh")
    # Three replicas run the migration step at the same moment.
    migrations = [
        subprocess.Popen(
            [entrypoint, "migrate"], env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT
        )
        for _ in range(3)
    ]
    results = []
    for process in migrations:
        out, _ = process.communicate(timeout=120)
        results.append((process.returncode, out.decode()))
    log_path = tmp / "gunicorn.log"
    # Append mode: master and workers share the file, each line lands whole at the end.
    with log_path.open("ab") as log_file:
        master = subprocess.Popen([entrypoint], env=env, stdout=log_file, stderr=log_file)
    url = f"http://127.0.0.1:{port}"
    try:
        if all(code == 0 for code, _ in results):
            wait_until_ready(url, master, log_path)
        yield Deployment(url, database, master, log_path, metrics_dir, results)
    finally:
        if master.poll() is None:
            master.send_signal(signal.SIGTERM)
            try:
                master.wait(GRACEFUL_TIMEOUT + 5)
            except subprocess.TimeoutExpired:
                master.kill()
                master.wait()
        drop_database(database_url)


def test_three_replicas_migrating_at_once_leave_one_schema(deployment: Deployment) -> None:
    # given three `entrypoint.sh migrate` started together on one empty database
    # then all succeeded: one applied the migrations, the others waited and found nothing to do
    assert [code for code, _ in deployment.migrations] == [0, 0, 0], deployment.migrations
    assert query_one(deployment.database, "SELECT COUNT(*) FROM alembic_version") == ((1,),)
    tables = {row[0] for row in query_one(deployment.database, "SHOW TABLES")}
    assert {"user", "refresh_token", "system_info", "public_script"} <= tables, tables


async def test_connections_spread_over_both_workers(deployment: Deployment) -> None:
    # when sixteen clients connect at once
    pids = await worker_pids(deployment.url)
    # then both workers (children of the master) served some of them
    assert len(pids) == 2, pids
    assert {parent_of(pid) for pid in pids} == {deployment.master.pid}
    assert not (deployment.metrics_dir / "counter_999999.db").exists()
    assert (deployment.metrics_dir / "README").exists()


PINGS = (
    "gpts_graphql_requests_total",
    frozenset({("operation_name", "Ping"), ("operation_type", "query")}),
)


async def ping_on_new_connections(url: str, connections: int = 16) -> dict[int, int]:
    """Ping once on each of `connections` new connections; how many each worker served."""
    served_by: dict[int, int] = {}

    async def ping_once() -> None:
        async with httpx.AsyncClient(base_url=url, timeout=20) as client:
            pid = int((await client.get("/healthz")).json()["pid"])
            response = await client.post("/graphql", json={"query": PING})
            assert response.json() == {"data": {"__typename": "Query"}}
            served_by[pid] = served_by.get(pid, 0) + 1

    await asyncio.gather(*(ping_once() for _ in range(connections)))
    return served_by


async def test_one_scrape_adds_up_both_workers(deployment: Deployment) -> None:
    async with httpx.AsyncClient(base_url=deployment.url, timeout=10) as scraper:
        # given sixteen pings on new connections, spread over both workers
        before = samples((await scraper.get("/metrics")).text)
        served_by = await ping_on_new_connections(deployment.url)
        assert len(served_by) == 2, served_by
        # when /metrics is scraped twice (each scrape reaches one worker)
        scrapes = [samples((await scraper.get("/metrics")).text) for _ in range(2)]
    # then each scrape counts all sixteen
    for after in scrapes:
        assert after.get(PINGS, 0) - before.get(PINGS, 0) == 16
    assert ("gpts_db_pool_connections_in_use", frozenset()) in scrapes[0]


async def test_a_replaced_worker_keeps_its_counts_and_drops_its_gauge(
    deployment: Deployment,
) -> None:
    # given pings served by both workers, and one worker's live gauge file
    served_by = await ping_on_new_connections(deployment.url)
    assert len(served_by) == 2, served_by
    victim = min(served_by)
    gauge_file = deployment.metrics_dir / f"gauge_livesum_{victim}.db"
    assert gauge_file.exists()
    async with httpx.AsyncClient(base_url=deployment.url, timeout=20) as scraper:
        before = samples((await scraper.get("/metrics")).text)
        # when that worker exits and gunicorn replaces it
        os.kill(victim, signal.SIGTERM)
        replaced: set[int] = set()
        deadline = time.monotonic() + 60
        while not replaced and time.monotonic() < deadline:
            replaced = await worker_pids(deployment.url, 8) - set(served_by)
        assert replaced, "gunicorn did not replace the worker"
        after = [samples((await scraper.get("/metrics")).text) for _ in range(2)]
    # then the dead worker's gauge is gone, and its pings still count in every scrape
    assert not gauge_file.exists()
    for scrape in after:
        assert scrape[PINGS] == before[PINGS] >= 16


@dataclass
class Outcome:
    request_id: str
    username: str
    sent: float
    done: float = 0.0
    status: int | None = None
    body: dict | None = None
    error: str | None = None


async def test_sigterm_under_load_finishes_accepted_requests(deployment: Deployment) -> None:
    # given eight clients on kept-alive connections, signing up users back to back
    outcomes: list[Outcome] = []
    numbers = itertools.count()
    stop = asyncio.Event()
    warmed_up = asyncio.Event()

    async def client_loop(worker: int) -> None:
        async with httpx.AsyncClient(base_url=deployment.url, timeout=30) as client:
            while not stop.is_set():
                n = next(numbers)
                outcome = Outcome(f"term-{worker}-{n}", f"term{n}", time.monotonic())
                outcomes.append(outcome)
                variables = {
                    "input": {
                        "username": outcome.username,
                        "email": f"{outcome.username}@example.com",
                        "password": "correct-horse-1",
                    }
                }
                try:
                    response = await client.post(
                        "/graphql",
                        json={"query": SIGN_UP, "variables": variables},
                        headers={"x-request-id": outcome.request_id},
                    )
                    outcome.status = response.status_code
                    outcome.body = response.json()
                    if sum(o.status == 200 for o in outcomes) >= 16:
                        warmed_up.set()
                except httpx.TransportError as error:
                    outcome.error = type(error).__name__
                    return  # the server is going away; a new connection would be refused
                finally:
                    outcome.done = time.monotonic()

    workers = await worker_pids(deployment.url)
    assert len(workers) == 2, workers
    loops = [asyncio.create_task(client_loop(i)) for i in range(8)]
    await asyncio.wait_for(warmed_up.wait(), 30)
    # when the master gets SIGTERM in the middle of it
    sigterm_at = time.monotonic()
    deployment.master.send_signal(signal.SIGTERM)
    returncode = await asyncio.to_thread(deployment.master.wait, GRACEFUL_TIMEOUT + 10)
    exited_after = time.monotonic() - sigterm_at
    stop.set()
    await asyncio.wait_for(asyncio.gather(*loops), 30)

    # then the master exited cleanly within the graceful timeout
    assert returncode == 0, deployment.log_tail()
    assert exited_after < GRACEFUL_TIMEOUT, deployment.log_tail()
    entries = deployment.log_entries()
    handled = {e["request_id"]: e for e in entries if e.get("logger") == "gpt_supporter.request"}
    # and every response a client got is a complete, successful sign-up
    answered = [o for o in outcomes if o.status is not None]
    for outcome in answered:
        assert outcome.status == 200, outcome
        assert outcome.body is not None and "errors" not in outcome.body, outcome
        assert outcome.body["data"]["signUp"]["username"] == outcome.username
    # and requests in flight when SIGTERM came were finished, not dropped
    in_flight = [o for o in answered if o.sent < sigterm_at < o.done]
    assert in_flight, "no request was in flight at SIGTERM; the test proved nothing"
    # and a request that failed never reached the app: not handled, no user written
    failed = [o for o in outcomes if o.error is not None]
    users = {row[0] for row in query_one(deployment.database, "SELECT username FROM user")}
    for outcome in failed:
        assert outcome.request_id not in handled, outcome
        assert outcome.username not in users, outcome
    assert users == {o.username for o in answered}
    # and each worker ran its shutdown: the engine disposed, nothing killed
    disposed = {e["pid"] for e in entries if "engine disposed" in e.get("message", "")}
    assert workers <= disposed, (workers, disposed)
    messages = " ".join(e.get("message", "") for e in entries)
    assert "SIGKILL" not in messages and "TIMEOUT" not in messages, deployment.log_tail()
