"""The Galera cluster (tests/cluster/galera.sh) and service processes in front of it.

A service is a real `uvicorn main:app --workers 2` on its own port, pointed at HAProxy or
straight at one node; its log goes to a file the tests read (retries, tracebacks).
"""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pymysql

from tests.utils import GraphQLClient

ROOT = Path(__file__).resolve().parent.parent.parent
SCRIPT = Path(__file__).resolve().parent / "galera.sh"
PROXY_PORT = 13300
NODE_PORTS = {1: 13306, 2: 13307, 3: 13308}
SECRET = "cluster-test-secret-key-long-enough-0123456789"
RETRY_LINE = "transaction retry"
GALERA_DIR = Path(os.environ.get("GALERA_DIR", "/tmp/gpts-galera"))
# Figures the tests measured, printed at the end of the run (conftest) for docs/operations.md.
MEASURED: dict[str, object] = {}


def galera(*args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    """Run galera.sh; a failure fails the test (no cluster is never a skip)."""
    done = subprocess.run(
        ["bash", str(SCRIPT), *args], capture_output=True, text=True, timeout=timeout
    )
    assert done.returncode == 0, f"galera.sh {' '.join(args)} failed:\n{done.stderr}"
    return done


def cold_start_seconds(stderr: str) -> float | None:
    found = re.search(r"cluster up in ([0-9.]+)s", stderr)
    return float(found.group(1)) if found else None


def node_url(port: int, database: str) -> str:
    return f"mysql+aiomysql://root@127.0.0.1:{port}/{database}?charset=utf8mb4"


@contextmanager
def connect(port: int, database: str | None = None, causal: bool = True) -> Iterator[Any]:
    """A plain connection to one node (or HAProxy); causal reads unless told otherwise."""
    conn = pymysql.connect(
        host="127.0.0.1", port=port, user="root", password="", database=database,
        autocommit=True, connect_timeout=3,
    )  # fmt: skip
    try:
        with conn.cursor() as cur:
            cur.execute(f"SET SESSION wsrep_sync_wait = {1 if causal else 0}")
        yield conn
    finally:
        conn.close()


def query(port: int, database: str | None, sql: str, args: Any = None) -> list[tuple[Any, ...]]:
    with connect(port, database) as conn, conn.cursor() as cur:
        cur.execute(sql, args)
        return list(cur.fetchall())


def cluster_size(port: int) -> int:
    rows = query(port, None, "SHOW STATUS LIKE 'wsrep_cluster_size'")
    return int(rows[0][1])


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Service:
    """One `uvicorn --workers 2` process tree on `database_port` (HAProxy or a node)."""

    name: str
    database_port: int
    database: str
    log_path: Path
    port: int = field(default_factory=free_port)
    process: subprocess.Popen[bytes] | None = None

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        env = dict(os.environ)
        env.update(
            DATABASE_URL=node_url(self.database_port, self.database),
            SECRET_KEY=SECRET,
            APP_ENV="development",
            REDIS_URL="",
            LOG_LEVEL="INFO",
            # Many sign-ups come from 127.0.0.1 here; the throttle is tested elsewhere.
            SIGN_UPS_PER_ADDRESS="100000",
            SIGN_IN_FAILURES_PER_ADDRESS="100000",
            DB_CONNECT_TIMEOUT_SECONDS="2",
            PYTHONUNBUFFERED="1",
        )
        log = self.log_path.open("ab")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "uvicorn", "main:app", "--host", "127.0.0.1",
             "--port", str(self.port), "--workers", "2", "--loop", "asyncio",
             "--no-access-log"],
            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
        )  # fmt: skip
        log.close()

    def wait_ready(self, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            assert self.process is not None and self.process.poll() is None, self.log_text()
            try:
                if httpx.get(f"{self.base_url}/readyz", timeout=2).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
        raise AssertionError(f"service {self.name} not ready:\n{self.log_text()[-3000:]}")

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.terminate()  # uvicorn's supervisor stops its workers on SIGTERM
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=5)

    def log_text(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def retries_logged(self) -> int:
        return self.log_text().count(RETRY_LINE)

    def client(self, timeout: float = 20) -> GraphQLClient:
        return GraphQLClient(httpx.AsyncClient(base_url=self.base_url, timeout=timeout))


@dataclass
class Cluster:
    database: str
    proxy: Service
    node1: Service
    node2: Service
    cold_start: float | None

    @property
    def services(self) -> list[Service]:
        return [self.proxy, self.node1, self.node2]

    def retries_logged(self) -> int:
        return sum(service.retries_logged() for service in self.services)

    def on_every_node(self, sql: str, args: Any = None) -> dict[int, list[tuple[Any, ...]]]:
        return {n: query(port, self.database, sql, args) for n, port in NODE_PORTS.items()}
