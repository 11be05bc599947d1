"""The benchmark, end to end: `make bench`, or `python -m bench.run --help`.

For each database: a fresh one (SQLite file, or a throwaway MariaDB database named
`bench_...`, dropped afterwards), migrated and seeded; statements per request and floor
equality checked in-process; then the app (main:app) and its floor (bench.floor:app) served
by gunicorn with uvicorn workers, each operation driven by bench.load in its own process at
each concurrency. Results go to bench/results/ as JSON and a markdown table.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pymysql
from sqlalchemy.engine import make_url

from bench import inprocess, report
from bench import limits as bench_limits
from bench.ops import Operation, manifest, operations
from bench.seed import Seeded, seed
from bench.server import ROOT, Server, WorkerWatch
from db.migrate import upgrade_sync
from settings import Settings, load_settings

SECRET = "bench-secret-key-0123456789abcdefghijklmnopqrstuvwxyz"
# wrk (C, Debian's package, installed when missing) or the Python loader of bench/load.py.
LOADERS = {"wrk": "bench.wrk", "python": "bench.load"}
MYSQL = "mysql+aiomysql://root@127.0.0.1:3306"


def _fresh_database(kind: str, workdir: Path) -> str:
    if kind == "sqlite":
        return f"sqlite+aiosqlite:///{workdir / 'bench.db'}"
    name = f"bench_{uuid.uuid4().hex[:10]}"
    with pymysql.connect(host="127.0.0.1", port=3306, user="root", autocommit=True) as conn:
        conn.cursor().execute(
            f"CREATE DATABASE `{name}` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci"
        )
    return f"{MYSQL}/{name}?charset=utf8mb4"


def _drop_database(url: str) -> None:
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite" or not (parsed.database or "").startswith("bench_"):
        return
    with pymysql.connect(host="127.0.0.1", port=3306, user="root", autocommit=True) as conn:
        conn.cursor().execute(f"DROP DATABASE IF EXISTS `{parsed.database}`")


@contextmanager
def seeded_database(kind: str, workdir: Path, deep_books: int) -> Iterator[tuple[str, Seeded]]:
    """A fresh, migrated, seeded database of `kind` (its URL and what was seeded), dropped after."""
    url = _fresh_database(kind, workdir)
    try:
        upgrade_sync(url)
        yield url, seed(url, deep_books=deep_books)
    finally:
        _drop_database(url)


def settings_from_env(env: dict[str, str]) -> Settings:
    """The settings the servers get from `env`, for the app run in process."""
    return load_settings(**{k.lower(): v for k, v in env.items() if v})


def _server_env(url: str, kind: str, manifest_path: Path | None = None) -> dict[str, str]:
    env = {
        "DATABASE_URL": url,
        "SECRET_KEY": SECRET,
        # Production settings on MariaDB; production refuses SQLite, so that runs as development.
        "APP_ENV": "production" if kind == "mysql" else "development",
        "LOG_LEVEL": "WARNING",
        # Long enough that the tokens signed in at the start outlive the run.
        "ACCESS_TOKEN_TTL_SECONDS": "7200",
        "REDIS_URL": "",
        # The load measures a request's cost, not the limits: thousands of createRefBook
        # would pass the per-account quota (2,000) within seconds, and 16 signIn in flight
        # for one name pass its 5 attempts (each reserved before its check). Both sides
        # (the floor reads the same settings) still run the quota's count statement.
        "MAX_REF_BOOKS_PER_USER": "100000000",
        "SIGN_IN_FAILURES_PER_USERNAME": "100000",
        "SIGN_IN_FAILURES_PER_ADDRESS": "100000",
    }
    if manifest_path is not None:
        # The by-hash reads run from this manifest; `allow` keeps the by-text ones running.
        env.update(TRUSTED_DOCUMENTS=str(manifest_path), TRUSTED_DOCUMENTS_MODE="allow")
    return env


def write_manifest(seeded: Seeded, path: Path) -> Path:
    path.write_text(json.dumps(manifest(operations(seeded))))
    return path


def _drive(server: Server, path: str, op: Operation, token: str | None, args: Any, c: int) -> Any:
    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    spec = {
        "host": "127.0.0.1",
        "port": server.port,
        "method": "POST",
        "path": path,
        "headers": headers,
        "body": json.dumps(op.body()),
        "concurrency": c,
        "warmup": args.warmup,
        "duration": args.duration,
        "expect": op.expect,
    }
    with WorkerWatch(server.worker_pids()) as watch:
        # Sampled halfway through the measured part, beside the loader.
        split: list[list[int] | None] = [None]

        def sample() -> None:
            split[0] = connection_split(server.port, server.worker_pids())

        sampler = threading.Timer(args.warmup + args.duration / 2, sample)
        sampler.start()
        try:
            done = subprocess.run(
                [sys.executable, "-m", LOADERS[args.loader]],
                input=json.dumps(spec).encode(),
                capture_output=True,
                cwd=ROOT,
                timeout=args.warmup + args.duration + 60,
                check=True,
            )
        finally:
            sampler.join()
    result = json.loads(done.stdout)
    result["connections_per_worker"] = split[0]
    result["peak_rss_mib"] = round(watch.peak_total_kib / 1024, 1)
    result["peak_worker_rss_mib"] = round(watch.peak_worker_kib / 1024, 1)
    busy = sum(watch.cpu.values()) or 1.0
    result["worker_cpu_share"] = [round(v / busy, 2) for v in watch.cpu.values()]
    result["server_cpu_seconds"] = round(sum(watch.cpu.values()), 2)
    # The loader shares the cores: how much of the CPU it took while driving this load.
    loader = result.get("loader_cpu_seconds", 0.0)
    result["loader"] = args.loader
    result["loader_cpu_share"] = round(loader / (loader + busy), 2) if loader + busy else 0.0
    return result


def median_run(runs: list[dict[str, Any]]) -> dict[str, Any]:
    """The run with the median req/s (the lower of the two middle ones for an even count),
    as it was measured, with every run's req/s and split beside it and the errors of all."""
    ranked = sorted(runs, key=lambda run: run["rps"])
    chosen = dict(ranked[(len(ranked) - 1) // 2])
    if len(runs) > 1:
        chosen["runs_rps"] = [run["rps"] for run in runs]
        chosen["runs_connections_per_worker"] = [run["connections_per_worker"] for run in runs]
        chosen["errors"] = sum(run["errors"] for run in runs)
    return chosen


def connection_split(port: int, pids: list[int]) -> list[int] | None:
    """The loader's connections each worker holds, fewest first (None without `ss`).

    Each worker listens on its own socket (reuse_port) and the kernel hashes a connection to
    one: 16 connections split 8/8 or 6/10 by chance, and the worker with 10 answers them
    later, so a run's p99 depends on its split as much as on the code.
    """
    try:
        listed = subprocess.run(
            ["ss", "-tnpH", "state", "established", f"( sport = :{port} )"],
            capture_output=True,
            text=True,
            timeout=10,
        ).stdout
    except (OSError, subprocess.SubprocessError):
        return None
    return sorted(sum(f"pid={pid}," in line for line in listed.splitlines()) for pid in pids)


def bench_database(kind: str, args: argparse.Namespace, workdir: Path) -> dict[str, Any]:
    with seeded_database(kind, workdir, args.deep_books) as (url, seeded):
        print(f"[{kind}] seeded {sum(seeded.rows.values())} rows in {seeded.seconds:.1f} s")
        ops = [op for op in operations(seeded) if not args.ops or op.name in args.ops]
        env = _server_env(url, kind, write_manifest(seeded, workdir / f"{kind}-manifest.json"))
        # The in-process app reads the same settings the servers get from their environment.
        settings = settings_from_env(env)
        checked = asyncio.run(inprocess.check(settings, seeded, ops))
        tokens: dict[str, str] = checked.pop("tokens")
        # The limits' worst cases (issue 10), in process: answers and CPU per request.
        checked["limits"] = asyncio.run(
            bench_limits.run(settings, tokens["main"], repeat=args.limits_repeat)
        )
        for row in bench_limits.table(checked["limits"]):
            print(f"[{kind}] {row}", flush=True)
        runs: list[dict[str, Any]] = []
        if args.limits_only:
            return {"database": kind, "seeded_rows": seeded.rows, **checked, "runs": runs}
        product = Server("main:app", env, workers=args.workers)
        floor = Server("bench.floor:app", env, workers=args.workers)
        product.start(workdir / f"{kind}-app.log", "/healthz")
        try:
            floor.start(workdir / f"{kind}-floor.log", "/floor/none")
            for c in args.concurrency:
                for op in ops:
                    token = tokens.get(op.caller)
                    graphqls, plains = [], []
                    for _ in range(args.repeat):
                        # In turn, so a slow moment of the machine hits both sides alike.
                        graphqls.append(_drive(product, "/graphql", op, token, args, c))
                        plains.append(_drive(floor, f"/floor/{op.floor_name}", op, token, args, c))
                    graphql, plain = median_run(graphqls), median_run(plains)
                    runs.append(
                        {"op": op.name, "label": op.label, "graphql": graphql, "floor": plain}
                    )
                    print(f"[{kind}] c={c:<3} {report.line(runs[-1])}", flush=True)
        finally:
            product.stop()
            floor.stop()
        return {
            "database": kind,
            "seeded_rows": seeded.rows,
            "seed_seconds": round(seeded.seconds, 2),
            **checked,
            "runs": runs,
        }


def machine() -> dict[str, Any]:
    cpuinfo = Path("/proc/cpuinfo").read_text()
    model = next(
        (line.split(":", 1)[1].strip() for line in cpuinfo.splitlines() if "model name" in line),
        platform.processor(),
    )
    return {
        "nproc": os.cpu_count(),
        "cpu": model,
        "python": platform.python_version(),
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
    }


def parse(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.run", description=__doc__)
    parser.add_argument("--databases", nargs="+", default=["sqlite", "mysql"])
    parser.add_argument("--concurrency", type=int, nargs="+", default=[1, 16])
    parser.add_argument("--warmup", type=float, default=1.0)
    parser.add_argument("--duration", type=float, default=4.0)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument(
        "--repeat",
        type=int,
        default=1,
        help="runs of each operation and its floor, in turn; the median run by req/s is "
        "reported (the issue's protocol: 3; each run opens new connections, so each gets its "
        "own split over the workers)",
    )
    parser.add_argument("--loader", choices=sorted(LOADERS), default="wrk")
    parser.add_argument("--ops", nargs="*", default=[], help="only these operations")
    parser.add_argument(
        "--limits-only", action="store_true", help="only the limits' worst cases (no load runs)"
    )
    parser.add_argument(
        "--limits-repeat",
        type=int,
        default=50,
        help="times each limits case is sent, as a new text and as the same text",
    )
    parser.add_argument("--deep-books", type=int, default=100_000)
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse(argv)
    started = time.monotonic()
    results: dict[str, Any] = {
        "machine": machine(),
        "command": "python -m bench.run " + " ".join(argv if argv is not None else sys.argv[1:]),
        "settings": {k: str(v) for k, v in vars(args).items()},
        # Other work on the machine shows here: the benchmark alone keeps it near 3-4.
        "loadavg": [round(x, 2) for x in os.getloadavg()],
        "databases": [],
    }
    with tempfile.TemporaryDirectory(prefix="bench-") as tmp:
        for kind in args.databases:
            results["databases"].append(bench_database(kind, args, Path(tmp)))
    results["seconds"] = round(time.monotonic() - started, 1)
    args.out.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    markdown = report.markdown(results)
    (args.out / f"bench-{stamp}.json").write_text(json.dumps(results, indent=2))
    (args.out / f"bench-{stamp}.md").write_text(markdown)
    (args.out / "latest.json").write_text(json.dumps(results, indent=2))
    (args.out / "latest.md").write_text(markdown)
    print(markdown)
    print(f"written to {args.out}/bench-{stamp}.{{json,md}} in {results['seconds']} s")
    problems = report.problems(results)
    for problem in problems:
        print("PROBLEM:", problem, file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    raise SystemExit(main())
