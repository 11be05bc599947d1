"""Throughput through the Galera cluster (HAProxy) against the single MariaDB on 3306.

    python -m bench.cluster_bench [--duration 5] [--concurrency 8] [--rounds 3]

The same served app (bench.server: gunicorn, the deployment config, 2 workers) on each
database, driven by the same load generator (bench.load, its own process) for
`refBooks(first: 6)` and `createRefBook`. On the cluster it runs twice: with the service's
causal reads (DB_GALERA_SYNC_WAIT=1, the default) and without them, to show their price.
Starts the cluster with tests/cluster/galera.sh when it is down, and then stops it again.
Rounds alternate the targets; the table shows medians. Prints a markdown table and writes
bench/results/cluster.json. No target: a ratio to read (all of it shares 2 cores).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pymysql

from bench.ops import CREATE_REF_BOOK, REF_BOOKS
from bench.server import Server
from db.migrate import upgrade

ROOT = Path(__file__).resolve().parent.parent
GALERA = ROOT / "tests" / "cluster" / "galera.sh"
SECRET = "cluster-bench-secret-key-long-enough-0123456789"
PASSWORD = "bench-password-1"
BOOKS = 60
GALERA_DIR = Path(os.environ.get("GALERA_DIR", "/tmp/gpts-galera"))
TICKS = os.sysconf("SC_CLK_TCK")


@dataclass(frozen=True)
class Target:
    name: str
    port: int  # where the service connects: the single server, or HAProxy
    admin_port: int  # where databases are created and dropped
    sync_wait: int = 1


TARGETS = [
    Target("single MariaDB", 3306, 3306),
    Target("Galera via HAProxy", 13300, 13306),
    Target("Galera via HAProxy, no causal reads", 13300, 13306, sync_wait=0),
]


def _sql(port: int, statement: str) -> list[tuple[Any, ...]]:
    conn = pymysql.connect(host="127.0.0.1", port=port, user="root", autocommit=True)
    try:
        with conn.cursor() as cur:
            if port != 3306:
                # A causal read waits until this node applied the cluster's latest writes.
                cur.execute("SET SESSION wsrep_sync_wait = 1")
            cur.execute(statement)
            return list(cur.fetchall())
    finally:
        conn.close()


def _create_database(target: Target, database: str) -> None:
    _sql(target.admin_port, f"CREATE DATABASE `{database}` CHARACTER SET utf8mb4")
    # DDL reaches the other nodes a moment later (causal reads do not wait for it): until
    # every node has the database, a connection through HAProxy may be refused.
    for port in [3306] if target.admin_port == 3306 else [13306, 13307, 13308]:
        for _ in range(100):
            if _sql(port, f"SHOW DATABASES LIKE '{database}'"):
                break
            time.sleep(0.1)
        else:
            raise RuntimeError(f"database {database} never reached port {port}")


def _url(port: int, database: str) -> str:
    return f"mysql+aiomysql://root@127.0.0.1:{port}/{database}?charset=utf8mb4"


async def _seed(base_url: str, username: str) -> str:
    """An account with BOOKS books; returns its access token."""
    async with httpx.AsyncClient(base_url=base_url, timeout=30) as http:
        account = {"username": username, "email": f"{username}@example.com", "password": PASSWORD}
        sign_up = "mutation($i: SignUpInput!) { signUp(input: $i) { id } }"
        sign_in = "mutation($i: SignInInput!) { signIn(input: $i) { accessToken } }"
        answer = await http.post("/graphql", json={"query": sign_up, "variables": {"i": account}})
        assert "errors" not in answer.json(), answer.text
        credentials = {"username": username, "password": PASSWORD}
        answer = await http.post(
            "/graphql", json={"query": sign_in, "variables": {"i": credentials}}
        )
        token: str = answer.json()["data"]["signIn"]["accessToken"]
        headers = {"authorization": f"Bearer {token}"}
        for i in range(BOOKS):
            book = {"input": {"author": "Seed", "title": f"Book {i}"}}
            answer = await http.post(
                "/graphql", json={"query": CREATE_REF_BOOK, "variables": book}, headers=headers
            )
            assert "errors" not in answer.json(), answer.text
        return token


def _cpu_seconds(pid: int) -> float:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return 0.0
    return (int(fields[11]) + int(fields[12])) / TICKS  # utime + stime


def _database_pids(target: Target) -> list[int]:
    """The server processes behind `target`: mariadbd on 3306, or the 3 nodes and HAProxy."""
    pids = []
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            cmdline = (proc / "cmdline").read_bytes().replace(b"\0", b" ").decode()
            comm = (proc / "comm").read_text().strip()
        except OSError:
            continue
        ours = str(GALERA_DIR) in cmdline
        if comm in ("mariadbd", "haproxy") and ours == (target.port != 3306):
            pids.append(int(proc.name))
    return pids


def _drive(
    server: Server, target: Target, token: str, body: dict[str, Any], args: argparse.Namespace
) -> dict:
    """Throughput and latency, plus the CPU the app and the database spent per request:
    unlike req/s, CPU per request hardly moves when other work shares the machine."""
    _load(server, token, body, args.concurrency, 1.0)  # warm-up, not recorded
    app, db = server.worker_pids(), _database_pids(target)
    before = [sum(_cpu_seconds(p) for p in pids) for pids in (app, db)]
    result = _load(server, token, body, args.concurrency, args.duration)
    after = [sum(_cpu_seconds(p) for p in pids) for pids in (app, db)]
    requests = max(result["requests"], 1)
    result["app_cpu_ms_per_request"] = round((after[0] - before[0]) * 1000 / requests, 2)
    result["db_cpu_ms_per_request"] = round((after[1] - before[1]) * 1000 / requests, 2)
    return result


def _load(
    server: Server, token: str, body: dict[str, Any], concurrency: int, seconds: float
) -> dict:
    spec = {
        "host": "127.0.0.1",
        "port": server.port,
        "method": "POST",
        "path": "/graphql",
        "headers": {"content-type": "application/json", "authorization": f"Bearer {token}"},
        "body": json.dumps(body),
        "concurrency": concurrency,
        "warmup": 0.0,
        "duration": seconds,
        "max_requests": 100_000,
    }
    done = subprocess.run(
        [sys.executable, "-m", "bench.load"], input=json.dumps(spec), capture_output=True,
        text=True, cwd=ROOT, timeout=seconds + 60, check=True,
    )  # fmt: skip
    result: dict[str, Any] = json.loads(done.stdout)
    return result


def _measure(target: Target, args: argparse.Namespace, logs: Path) -> dict[str, dict]:
    database = f"h7bench_{uuid.uuid4().hex[:8]}"
    _create_database(target, database)
    server = Server(
        "main:app",
        {
            "DATABASE_URL": _url(target.port, database),
            "SECRET_KEY": SECRET,
            "APP_ENV": "production",
            "REDIS_URL": "",
            "LOG_LEVEL": "WARNING",
            "DB_GALERA_SYNC_WAIT": str(target.sync_wait),
        },
    )
    try:
        asyncio.run(upgrade(_url(target.port, database)))
        server.start(logs / f"{database}.log", "/healthz")
        token = asyncio.run(_seed(server.base_url, "bench_cluster"))
        read = {"query": REF_BOOKS, "variables": {"first": 6}}
        write = {"query": CREATE_REF_BOOK, "variables": {"input": {"author": "A", "title": "T"}}}
        return {
            "refBooks(first: 6)": _drive(server, target, token, read, args),
            "createRefBook": _drive(server, target, token, write, args),
        }
    finally:
        server.stop()
        _sql(target.admin_port, f"DROP DATABASE IF EXISTS `{database}`")


def _cluster_up() -> bool:
    return subprocess.run(["bash", str(GALERA), "status"], capture_output=True).returncode == 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--duration", type=float, default=5.0)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    logs = ROOT / ".tmp" / "cluster-bench"
    logs.mkdir(parents=True, exist_ok=True)
    started_here = not _cluster_up()
    if started_here:
        subprocess.run(["bash", str(GALERA), "start"], check=True, timeout=180)
    # Rounds alternate the targets, so a burst of other load on the machine hits all alike.
    runs: dict[str, dict[str, list[dict]]] = {t.name: {} for t in TARGETS}
    try:
        for _ in range(args.rounds):
            for target in TARGETS:
                for op, result in _measure(target, args, logs).items():
                    runs[target.name].setdefault(op, []).append(result)
    finally:
        if started_here:
            subprocess.run(["bash", str(GALERA), "stop"], check=True, timeout=60)

    single = TARGETS[0].name

    def median(name: str, op: str, key: str) -> float:
        return float(statistics.median(r[key] for r in runs[name][op]))

    single = TARGETS[0].name
    print(f"medians of {args.rounds} rounds, c={args.concurrency}, {args.duration:g} s each")
    print(
        "| database | operation | req/s | req/s rounds | vs single "
        "| app CPU ms/req | DB CPU ms/req | errors |"
    )
    print("|---|---|---|---|---|---|---|---|")
    for name, by_op in runs.items():
        for op, results in by_op.items():
            rps = median(name, op, "rps")
            ratio = rps / median(single, op, "rps")
            rounds = ", ".join(str(r["rps"]) for r in results)
            errors = sum(r["errors"] for r in results)
            app = median(name, op, "app_cpu_ms_per_request")
            db = median(name, op, "db_cpu_ms_per_request")
            print(
                f"| {name} | {op} | {rps:.1f} | {rounds} | {ratio:.2f}x | {app} | {db} | {errors} |"
            )
    out = ROOT / "bench" / "results" / "cluster.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    stamp = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    load = os.getloadavg()
    out.write_text(
        json.dumps({"when": stamp, "args": vars(args), "loadavg": load, "runs": runs}, indent=2)
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
