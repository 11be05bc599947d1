"""Garbage collection and the tail, in this process: `python -m bench.gc_tail --help`.

    python -m bench.gc_tail --ops refBooks6 systemInfos6 publicScripts20

Seeds a fresh database as the benchmark does and runs the app in-process (httpx over ASGI),
`concurrency` requests at a time. Each round runs `requests` requests under one collector
setting; the settings take turns round after round (a busy moment on a shared machine hits
them alike), and `gc.unfreeze()` undoes a freeze between rounds. Reported per setting:
latency p50/p99 over all its rounds, and the collector's own pauses by generation (from
`gc.callbacks`): count, total and longest.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import os
import tempfile
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

import httpx
import orjson

from bench.inprocess import _client, sign_in_tokens
from bench.ops import Operation, operations
from bench.run import _server_env, seeded_database, settings_from_env
from main import create_app
from settings import Settings

DEFAULT_THRESHOLDS = gc.get_threshold()
# "freeze" is what the production worker does (web/worker.py, settle_heap); the thresholds of
# "freeze+thresholds" come from --thresholds.
SETTINGS = {
    "default": (False, DEFAULT_THRESHOLDS),
    "freeze": (True, DEFAULT_THRESHOLDS),
    "freeze+thresholds": (True, (3000, 10, 10)),
}


class Pauses:
    def __init__(self) -> None:
        self.by_generation: dict[int, list[float]] = defaultdict(list)
        self._started = 0.0

    def __call__(self, phase: str, info: dict[str, Any]) -> None:
        if phase == "start":
            self._started = time.perf_counter()
        else:
            self.by_generation[info["generation"]].append(time.perf_counter() - self._started)


def _apply(name: str) -> None:
    freeze, thresholds = SETTINGS[name]
    gc.unfreeze()
    gc.collect()
    if freeze:
        gc.freeze()
    gc.set_threshold(*thresholds)


async def _round(
    client: httpx.AsyncClient, op: Operation, token: str | None, requests: int, concurrency: int
) -> list[float]:
    headers = {"content-type": "application/json"}
    if token:
        headers["authorization"] = f"Bearer {token}"
    body = orjson.dumps(op.body())
    latencies: list[float] = []
    left = requests

    async def one_connection() -> None:
        nonlocal left
        while left > 0:
            left -= 1
            began = time.perf_counter()
            response = await client.post("/graphql", content=body, headers=headers)
            latencies.append(time.perf_counter() - began)
            if response.status_code != 200 or b'"errors"' in response.content:
                raise AssertionError(response.text[:300])

    await asyncio.gather(*(one_connection() for _ in range(concurrency)))
    return latencies


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * len(ordered)) - 1))]


async def measure(
    settings: Settings, seeded: Any, ops: list[Operation], args: argparse.Namespace
) -> dict[str, Any]:
    app = create_app(lambda: settings)
    found: dict[str, Any] = {}
    async with _client(app) as client:
        tokens = await sign_in_tokens(client, seeded)
        for op in ops:
            token = tokens.get(op.caller)
            await _round(client, op, token, 200, args.concurrency)
            latencies: dict[str, list[float]] = defaultdict(list)
            pauses = {name: Pauses() for name in args.settings}
            for _ in range(args.rounds):
                for name in args.settings:
                    _apply(name)
                    gc.callbacks.append(pauses[name])
                    try:
                        latencies[name] += await _round(
                            client, op, token, args.requests, args.concurrency
                        )
                    finally:
                        gc.callbacks.remove(pauses[name])
            found[op.name] = {
                name: {
                    "requests": len(latencies[name]),
                    "p50_ms": round(_percentile(latencies[name], 0.5) * 1000, 2),
                    "p99_ms": round(_percentile(latencies[name], 0.99) * 1000, 2),
                    "gc": {
                        f"gen{g}": {
                            "count": len(p),
                            "total_ms": round(sum(p) * 1000, 1),
                            "max_ms": round(max(p) * 1000, 2),
                        }
                        for g, p in sorted(pauses[name].by_generation.items())
                    },
                }
                for name in args.settings
            }
            print(op.name, json.dumps(found[op.name]), flush=True)
    _apply("default")
    return found


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.gc_tail", description=__doc__)
    parser.add_argument("--database", default="mysql", choices=["sqlite", "mysql"])
    parser.add_argument("--ops", nargs="+", default=["refBooks6", "systemInfos6"])
    parser.add_argument("--settings", nargs="+", default=list(SETTINGS), choices=list(SETTINGS))
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--requests", type=int, default=1500, help="per round")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--deep-books", type=int, default=1_000)
    parser.add_argument(
        "--thresholds",
        type=int,
        nargs=3,
        default=[3000, 10, 10],
        help="of the freeze+thresholds setting",
    )
    args = parser.parse_args(argv)
    SETTINGS["freeze+thresholds"] = (True, tuple(args.thresholds))
    with (
        tempfile.TemporaryDirectory(prefix="bench-gc-") as tmp,
        seeded_database(args.database, Path(tmp), args.deep_books) as (url, seeded),
    ):
        settings = settings_from_env(_server_env(url, args.database))
        ops = [op for op in operations(seeded) if op.name in args.ops]
        found = asyncio.run(measure(settings, seeded, ops, args))
    print(json.dumps({"loadavg": os.getloadavg(), "results": found}, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
