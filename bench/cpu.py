"""CPU per request, in this process: `python -m bench.cpu --help`.

    python -m bench.cpu --database mysql --ops refBooks6 systemInfos6 dialogue publicScripts20

Seeds a fresh database as the benchmark does, runs the app (and its floor) in-process over
httpx's ASGI transport and times `time.process_time()` over N sequential requests per
operation, best of R rounds (the machine is shared: the best round is the least disturbed).
The httpx client's own work (~0.3 ms a request) is included on both sides; `--client asgi`
calls the app as a server would, with a scope and two callables, and leaves it out.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import importlib
import json
import os
import pstats
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

import httpx
import orjson

from bench.asgi_client import AsgiClient
from bench.floor import create_floor_app
from bench.inprocess import _client, sign_in_tokens
from bench.ops import Operation, operations
from bench.run import _server_env, seeded_database, settings_from_env
from main import create_app
from schema.execution import FastExecutionContext, StockExecutionContext
from settings import Settings
from web.worker import settle_heap

EXECUTORS: dict[str, type[Any]] = {"stock": StockExecutionContext, "fast": FastExecutionContext}


async def _time(
    client: httpx.AsyncClient | AsgiClient, path: str, op: Operation, token: str | None, n: int
) -> float:
    headers = {"content-type": "application/json"}
    if token:
        headers["authorization"] = f"Bearer {token}"
    body = orjson.dumps(op.body())
    started = time.process_time()
    for _ in range(n):
        response = await client.post(path, content=body, headers=headers)
        if response.status_code != 200 or b'"errors"' in response.content:
            raise AssertionError(f"{path} {op.name}: {response.text[:500]}")
    return (time.process_time() - started) * 1000 / n


def _by_package(profile: cProfile.Profile, top: int) -> str:
    """Own time by package, then the functions with the most own time."""
    stats = pstats.Stats(profile)
    packages: Counter[str] = Counter()
    functions: Counter[str] = Counter()
    for (path, line, name), row in stats.stats.items():  # type: ignore[attr-defined]
        own = row[2]
        where = path.split("site-packages/", 1)[-1].split("lib/python3.11/", 1)[-1]
        where = where.removeprefix(str(Path(__file__).resolve().parent.parent) + "/")
        packages[where.split("/")[0].removesuffix(".py")] += own
        functions[f"{name} ({where}:{line})"] += own
    total = sum(packages.values()) or 1.0
    lines = [f"{100 * t / total:5.1f}%  {p}" for p, t in packages.most_common(top)]
    lines += [""] + [f"{100 * t / total:5.1f}%  {f}" for f, t in functions.most_common(top)]
    return "\n".join(lines)


async def measure(
    settings: Settings,
    seeded: Any,
    ops: list[Operation],
    requests: int,
    rounds: int,
    floor: bool,
    profile: int = 0,
    executors: list[str] | None = None,
    client: str = "httpx",
) -> dict[str, dict[str, float]]:
    executors = executors or ["default"]
    product_app = create_app(lambda: settings)
    floor_app = create_floor_app(lambda: settings)
    found: dict[str, dict[str, float]] = {}
    async with _client(product_app) as signing, _client(floor_app) as plain_httpx:
        schema = product_app.state.graphql.schema
        default = schema.execution_context_class
        EXECUTORS["default"] = default
        tokens = await sign_in_tokens(signing, seeded)
        # As a production worker does once it has started (web/worker.py).
        settle_heap()
        product: httpx.AsyncClient | AsgiClient = signing
        plain: httpx.AsyncClient | AsgiClient = plain_httpx
        if client == "asgi":
            product, plain = AsgiClient(product_app), AsgiClient(floor_app)
        for op in ops:
            token = tokens.get(op.caller)
            # Warm-up: caches, pool connections, statement compilation.
            await _time(product, "/graphql", op, token, 20)
            found[op.name] = {}
            # Executors compared in turn, round by round, so a busy moment hits both alike.
            best: dict[str, float] = {}
            for _ in range(rounds):
                for name in executors:
                    schema.execution_context_class = EXECUTORS[name]
                    ms = await _time(product, "/graphql", op, token, requests)
                    best[name] = min(best.get(name, ms), ms)
            schema.execution_context_class = default
            for name in executors:
                key = "graphql_ms" if executors == ["default"] else f"graphql_{name}_ms"
                found[op.name][key] = round(best[name], 3)
            if profile:
                profiler = cProfile.Profile()
                profiler.enable()
                await _time(product, "/graphql", op, token, requests)
                profiler.disable()
                print(f"--- {op.name}: own time by package, then by function")
                print(_by_package(profiler, profile))
            if floor:
                await _time(plain, f"/floor/{op.name}", op, token, 20)
                path = f"/floor/{op.name}"
                base = [await _time(plain, path, op, token, requests) for _ in range(rounds)]
                found[op.name]["floor_ms"] = round(min(base), 3)
            print(op.name, found[op.name], flush=True)
    return found


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.cpu", description=__doc__)
    parser.add_argument("--database", default="mysql", choices=["sqlite", "mysql"])
    parser.add_argument(
        "--ops", nargs="+", default=["refBooks6", "systemInfos6", "dialogue", "publicScripts20"]
    )
    parser.add_argument("--requests", type=int, default=60)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--no-floor", action="store_true")
    parser.add_argument(
        "--executors",
        nargs="+",
        default=["default"],
        choices=["default", *EXECUTORS],
        help="GraphQL executors to compare, round by round",
    )
    parser.add_argument(
        "--profile", type=int, default=0, metavar="TOP", help="cProfile one round; print TOP rows"
    )
    parser.add_argument("--loop", choices=["asyncio", "uvloop"], default="asyncio")
    parser.add_argument(
        "--client",
        choices=["httpx", "asgi"],
        default="httpx",
        help="httpx over ASGI (its work counted), or the app called directly (left out)",
    )
    # The paging operations need the deep user's rows; the others only a few of them.
    parser.add_argument("--deep-books", type=int, default=1_000)
    args = parser.parse_args(argv)
    with (
        tempfile.TemporaryDirectory(prefix="bench-cpu-") as tmp,
        seeded_database(args.database, Path(tmp), args.deep_books) as (url, seeded),
    ):
        settings = settings_from_env(_server_env(url, args.database))
        ops = [op for op in operations(seeded) if op.name in args.ops]
        loop_factory = None
        if args.loop == "uvloop":
            # Not a dependency: `pip install uvloop` to compare.
            loop_factory = importlib.import_module("uvloop").new_event_loop
        with asyncio.Runner(loop_factory=loop_factory) as runner:
            found = runner.run(
                measure(
                    settings,
                    seeded,
                    ops,
                    args.requests,
                    args.rounds,
                    not args.no_floor,
                    args.profile,
                    args.executors,
                    args.client,
                )
            )
    print(json.dumps({"loadavg": os.getloadavg(), "cpu_ms_per_request": found}, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
