"""Python function calls per request, GraphQL beside its floor: `python -m bench.calls --help`.

    python -m bench.calls --database mysql --ops refBooks6 systemInfos6 --top 40

On this kind of shared VM the CPU time of a request moves by a fifth from one minute to the
next; the number of calls it makes does not, so it shows what a change saved. Seeds a fresh
database as the benchmark does, starts the app and its floor in this process (the start-up
heap frozen, as a worker does), and runs each operation 30 times, then 100 times under
cProfile, through the ASGI client of bench/cpu.py (the service alone, no HTTP client).
`--top N` lists the functions whose own time differs most between the two, with their calls.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import pstats
import tempfile
from pathlib import Path
from typing import Any

import orjson

from bench.asgi_client import AsgiClient
from bench.floor import create_floor_app
from bench.inprocess import _client, sign_in_tokens
from bench.ops import Operation, operations
from bench.run import _server_env, seeded_database, settings_from_env
from main import create_app
from settings import Settings
from web.worker import settle_heap

REQUESTS = 100


async def _run(client: AsgiClient, path: str, body: bytes, headers: dict[str, str], n: int) -> None:
    for _ in range(n):
        answer = await client.post(path, content=body, headers=headers)
        if answer.status_code != 200 or b'"errors"' in answer.content:
            raise AssertionError(f"{path}: {answer.text[:300]}")


async def _profile(client: AsgiClient, path: str, op: Operation, token: str | None) -> Any:
    headers = {"content-type": "application/json"}
    if token:
        headers["authorization"] = f"Bearer {token}"
    body = orjson.dumps(op.body())
    await _run(client, path, body, headers, 30)
    profiler = cProfile.Profile()
    profiler.enable()
    await _run(client, path, body, headers, REQUESTS)
    profiler.disable()
    return pstats.Stats(profiler).stats  # type: ignore[attr-defined]


def _where(key: tuple[str, int, str]) -> str:
    path, line, name = key
    short = path.split("site-packages/")[-1].split("/lib/python3.11/")[-1]
    return f"{name} ({short.removeprefix(str(Path.cwd()) + '/')}:{line})"


async def measure(settings: Settings, seeded: Any, names: list[str], top: int) -> None:
    product, floor = create_app(lambda: settings), create_floor_app(lambda: settings)
    async with _client(product) as signing, _client(floor):
        tokens = await sign_in_tokens(signing, seeded)
        settle_heap()
        for op in operations(seeded):
            if op.name not in names:
                continue
            token = tokens.get(op.caller)
            graphql = await _profile(AsgiClient(product), "/graphql", op, token)
            plain = await _profile(AsgiClient(floor), f"/floor/{op.floor_name}", op, token)
            counts = [
                sum(row[1] for row in stats.values()) / REQUESTS for stats in (graphql, plain)
            ]
            print(f"{op.name}: {counts[0]:.0f} calls a request, floor {counts[1]:.0f}")
            extra = sorted(
                graphql.items(), key=lambda item: plain.get(item[0], (0, 0, 0))[2] - item[1][2]
            )
            for key, row in extra[:top]:
                base = plain.get(key, (0, 0, 0))
                calls = (row[1] - base[1]) / REQUESTS
                own = (row[2] - base[2]) * 1e6 / REQUESTS
                print(f"  {own:7.1f} us {calls:7.1f} calls  {_where(key)}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.calls", description=__doc__)
    parser.add_argument("--database", default="mysql", choices=["sqlite", "mysql"])
    parser.add_argument(
        "--ops", nargs="+", default=["refBooks6", "systemInfos6", "dialogue", "publicScripts20"]
    )
    parser.add_argument("--top", type=int, default=0, help="list the N costliest extra functions")
    args = parser.parse_args(argv)
    with (
        tempfile.TemporaryDirectory(prefix="bench-calls-") as tmp,
        seeded_database(args.database, Path(tmp), 100) as (url, seeded),
    ):
        settings = settings_from_env(_server_env(url, args.database))
        asyncio.run(measure(settings, seeded, args.ops, args.top))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
