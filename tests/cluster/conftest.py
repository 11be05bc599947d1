"""Fixtures of the cluster tests: the Galera cluster, a migrated database on it, and three
services (2 uvicorn workers each): one through HAProxy, one on node 1, one on node 2.

These tests are marked `cluster` and run only through `make test-cluster`; a cluster that
does not come up fails them.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
import uuid
from collections.abc import AsyncIterator, Iterator

import pytest

from tests.cluster.cluster import (
    MEASURED,
    NODE_PORTS,
    PROXY_PORT,
    ROOT,
    Cluster,
    Service,
    cold_start_seconds,
    galera,
    node_url,
    query,
)
from tests.databases import PREFIX
from tests.utils import GraphQLClient


@pytest.fixture(scope="session")
def cluster() -> Iterator[Cluster]:
    already_up = subprocess.run(["bash", str(ROOT / "tests/cluster/galera.sh"), "status"],
                                capture_output=True).returncode == 0  # fmt: skip
    started = galera("start")
    database = f"{PREFIX}_cluster_{uuid.uuid4().hex[:8]}"
    query(NODE_PORTS[1], None, f"CREATE DATABASE `{database}` CHARACTER SET utf8mb4")
    # DDL reaches the other nodes a moment later (causal reads do not wait for it): until
    # every node has the database, a connection through HAProxy may be refused.
    for port in NODE_PORTS.values():
        for _ in range(100):
            if query(port, None, "SHOW DATABASES LIKE %s", (database,)):
                break
            time.sleep(0.1)
        else:
            raise AssertionError(f"database {database} never reached port {port}")
    # Migrate through HAProxy with the real CLI, as a deployment would.
    migrated = subprocess.run(
        [sys.executable, "main.py", "migrate"], cwd=ROOT, capture_output=True, text=True,
        env={**os.environ, "DATABASE_URL": node_url(PROXY_PORT, database)},
        timeout=120,
    )  # fmt: skip
    assert migrated.returncode == 0, migrated.stderr
    # Kept after the run (in the ignored .tmp/) to read what the services logged.
    logs = ROOT / ".tmp" / "cluster-logs" / time.strftime("%Y%m%d-%H%M%S")
    logs.mkdir(parents=True, exist_ok=True)
    services = {
        name: Service(name, port, database, logs / f"{name}.log")
        for name, port in (
            ("proxy", PROXY_PORT),
            ("node1", NODE_PORTS[1]),
            ("node2", NODE_PORTS[2]),
        )
    }
    try:
        for service in services.values():
            service.start()
        for service in services.values():
            service.wait_ready()
        if not already_up:
            MEASURED["cold start (s)"] = cold_start_seconds(started.stderr)
        yield Cluster(
            database=database,
            proxy=services["proxy"],
            node1=services["node1"],
            node2=services["node2"],
            cold_start=None if already_up else cold_start_seconds(started.stderr),
        )
    finally:
        for service in services.values():
            service.stop()
        try:
            query(PROXY_PORT, None, f"DROP DATABASE IF EXISTS `{database}`")
        finally:
            if not already_up:
                galera("stop")


@pytest.fixture
async def via_proxy(cluster: Cluster) -> AsyncIterator[GraphQLClient]:
    client = cluster.proxy.client()
    yield client
    await client.http.aclose()


@pytest.fixture
async def via_node1(cluster: Cluster) -> AsyncIterator[GraphQLClient]:
    client = cluster.node1.client()
    yield client
    await client.http.aclose()


@pytest.fixture
async def via_node2(cluster: Cluster) -> AsyncIterator[GraphQLClient]:
    client = cluster.node2.client()
    yield client
    await client.http.aclose()


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if MEASURED:
        terminalreporter.section("cluster measurements")
        for name, value in MEASURED.items():
            terminalreporter.write_line(f"{name}: {value}")
