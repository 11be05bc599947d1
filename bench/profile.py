"""Where a served operation's CPU goes: py-spy on one gunicorn worker under load.

    make bench-profile BENCH_PROFILE_ARGS="--op systemInfos6 --database mysql"

Seeds a fresh database as the benchmark does, serves main:app with one worker, drives the
operation at the given concurrency and samples the worker with py-spy (installed from PyPI
by the make target). Prints the functions with the largest inclusive and self shares.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import subprocess
import sys
import tempfile
from collections import Counter
from pathlib import Path

import httpx

from bench.ops import operations
from bench.run import _server_env, seeded_database, write_manifest
from bench.server import ROOT, Server


async def _tokens(
    base_url: str, username_by_caller: dict[str, str], password: str
) -> dict[str, str]:
    from bench.ops import SIGN_IN

    found: dict[str, str] = {}
    async with httpx.AsyncClient(base_url=base_url, timeout=30) as client:
        for caller, username in username_by_caller.items():
            variables = {"input": {"username": username, "password": password}}
            answer = (
                await client.post("/graphql", json={"query": SIGN_IN, "variables": variables})
            ).json()
            found[caller] = answer["data"]["signIn"]["accessToken"]
    return found


def _frame(line: str) -> str:
    # py-spy raw frames look like "function (path/to/file.py:123)".
    name, _, where = line.partition(" (")
    path = where.rsplit(":", 1)[0]
    for marker in ("site-packages/", f"{ROOT}/", "lib/python3"):
        if marker in path:
            path = path.split(marker, 1)[1]
    return f"{name} ({path})"


def _package(frame: str) -> str:
    where = frame.rpartition(" (")[2].rstrip(")")
    return where.split("/")[0].removesuffix(".py") or "?"


def summarize(raw: Path, top: int) -> str:
    """Shares of the samples: by package of the running function, and by function.

    Code running inside SQLAlchemy's greenlets shows up as stacks of their own (py-spy does
    not see through greenlet switches), so "inclusive" undercounts callers of the database
    layer; "self" and "by package" are exact.
    """
    inclusive: Counter[str] = Counter()
    own: Counter[str] = Counter()
    packages: Counter[str] = Counter()
    total = 0
    for line in raw.read_text().splitlines():
        stack, _, count_text = line.rpartition(" ")
        if not stack or not count_text.isdigit():
            continue  # a frame name py-spy could not print on one line
        count = int(count_text)
        frames = [_frame(f) for f in stack.split(";")]
        total += count
        own[frames[-1]] += count
        packages[_package(frames[-1])] += count
        for frame in set(frames):
            inclusive[frame] += count
    lines = [f"{total} samples", "", "self, by package:"]
    lines += [f"{100 * n / total:5.1f}%  {p}" for p, n in packages.most_common(top)]
    lines += ["", "inclusive:"]
    lines += [f"{100 * n / total:5.1f}%  {f}" for f, n in inclusive.most_common(top)]
    lines += ["", "self:"]
    lines += [f"{100 * n / total:5.1f}%  {f}" for f, n in own.most_common(top)]
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.profile")
    parser.add_argument("--database", default="mysql", choices=["sqlite", "mysql"])
    parser.add_argument("--op", default="systemInfos6")
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--deep-books", type=int, default=100_000)
    parser.add_argument("--top", type=int, default=45)
    parser.add_argument("--raw", default="", help="keep py-spy's raw stacks in this file")
    args = parser.parse_args()
    with (
        tempfile.TemporaryDirectory(prefix="bench-profile-") as tmp,
        seeded_database(args.database, Path(tmp), args.deep_books) as (url, seeded),
    ):
        op = next(o for o in operations(seeded) if o.name == args.op)
        manifest = write_manifest(seeded, Path(tmp) / "manifest.json")
        server = Server("main:app", _server_env(url, args.database, manifest), workers=1)
        server.start(Path(tmp) / "app.log", "/healthz")
        try:
            users = {"main": seeded.main_username, "deep": seeded.deep_username}
            tokens = asyncio.run(_tokens(server.base_url, users, seeded.password))
            headers = {"Content-Type": "application/json"}
            if op.caller in tokens:
                headers["Authorization"] = f"Bearer {tokens[op.caller]}"
            spec = {
                "host": "127.0.0.1", "port": server.port, "method": "POST",
                "path": "/graphql", "headers": headers, "body": json.dumps(op.body()),
                "concurrency": args.concurrency, "warmup": 1.0,
                "duration": args.seconds + 1, "expect": op.expect,
            }  # fmt: skip
            load = subprocess.Popen(
                [sys.executable, "-m", "bench.load"],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                cwd=ROOT,
            )
            assert load.stdin is not None
            load.stdin.write(json.dumps(spec).encode())
            load.stdin.close()
            raw = Path(args.raw) if args.raw else Path(tmp) / "profile.txt"
            spy = str(Path(sys.executable).with_name("py-spy"))
            subprocess.run(
                [spy, "record", "--pid", str(server.worker_pids()[0]), "--duration",
                 str(int(args.seconds)), "--rate", "200", "--format", "raw", "--nonblocking",
                 "--output", str(raw)],
                check=True, capture_output=True,
            )  # fmt: skip
            assert load.stdout is not None
            out = load.stdout.read()
            load.wait(timeout=60)
            print(f"{op.label} at c={args.concurrency}: {out.decode()}")
            print(summarize(raw, args.top))
        finally:
            server.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
