"""The part of `python -m bench.across` that runs inside a checkout: run as a script with the
checkout as its working directory, it imports that checkout's app and benchmark helpers.

It uses only what every checkout since issue 12 began has (bench.run's database helpers,
bench.seed, bench.ops, bench.inprocess, main.create_app, settings.load_settings), so one
driver measures old and new code the same way. Prints one JSON object per line.

    python -P bench/across_driver.py '{"measure": "cpu", "ops": ["refBooks6"], ...}'
"""

from __future__ import annotations

import asyncio
import cProfile
import gc
import glob
import importlib.util
import inspect
import json
import os
import pstats
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

# The checkout's code. Run with `python -P`: this script's folder first on the path would
# shadow the standard library's `profile` with bench/profile.py.
sys.path.insert(0, os.getcwd())

import orjson

from bench import run as bench_run
from bench.inprocess import _client, sign_in_tokens
from bench.ops import operations
from bench.seed import seed
from db.migrate import upgrade_sync
from main import create_app
from settings import load_settings

# Two segments of requests under callgrind: their difference per request leaves out what a
# segment costs once (switching the instrumentation, the dump).
SHORT, LONG = 10, 60


class Callgrind:
    """Instructions counted between `on` and `off`, read from callgrind's dumps."""

    def __init__(self, out: str) -> None:
        self.out = out

    def _control(self, *args: str) -> None:
        command = ["callgrind_control", *args, str(os.getpid())]
        subprocess.run(command, check=True, capture_output=True)

    def _dump(self) -> int:
        before = set(glob.glob(self.out + "*"))
        self._control("--dump")
        total = 0
        for path in sorted(set(glob.glob(self.out + "*")) - before):
            for line in Path(path).read_text().splitlines():
                if line.startswith("totals:"):
                    total += int(line.split()[1])
            os.unlink(path)
        return total

    async def count(self, run: Any, n: int) -> int:
        self._dump()
        self._control("--instr=on")
        await run(n)
        self._control("--instr=off")
        return self._dump()


def _asgi_client(app: Any) -> Any:
    """bench/asgi_client.py's client, loaded by its path: an older checkout has none."""
    spec = importlib.util.spec_from_file_location(
        "asgi_client", Path(__file__).with_name("asgi_client.py")
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.AsgiClient(app)


def package_of(path: str, tree: str) -> str:
    """`sqlalchemy` for a file of that package, `schema` for this checkout's, `~` for builtins."""
    if path == __file__:
        return "bench"
    where = path.split("site-packages/", 1)[-1].split("lib/python3.11/", 1)[-1]
    return where.removeprefix(tree + "/").split("/")[0].removesuffix(".py")


async def _profile(run: Any, n: int) -> dict[str, Any]:
    """Own time per request by package over `n` requests under cProfile, and calls a request."""
    profiler = cProfile.Profile()
    profiler.enable()
    await run(n)
    profiler.disable()
    stats: Any = pstats.Stats(profiler)
    packages: Counter[str] = Counter()
    calls = 0
    for (path, _line, _name), (_, ncalls, own, _, _) in stats.stats.items():
        packages[package_of(path, os.getcwd())] += own
        calls += ncalls
    # Per request, in µs of the profiled run (cProfile's own cost per call included).
    own_us = {name: round(own * 1e6 / n) for name, own in packages.most_common()}
    return {"calls": round(calls / n), "own_us": own_us}


def _env(url: str, kind: str) -> dict[str, str]:
    server_env: Any = bench_run._server_env
    # A manifest argument came and went with trusted documents; none is needed here.
    wants = [p for p in inspect.signature(server_env).parameters.values() if p.default is p.empty]
    env: dict[str, str] = server_env(url, kind, *([None] * (len(wants) - 2)))
    if env.get("TRUSTED_DOCUMENTS") in (None, "None"):
        env.pop("TRUSTED_DOCUMENTS", None)
        env.pop("TRUSTED_DOCUMENTS_MODE", None)
    return env


async def _measure(spec: dict[str, Any], url: str, seeded: Any) -> None:
    env = _env(url, spec["database"])
    settings = load_settings(**{k.lower(): v for k, v in env.items() if v})
    app = create_app(lambda: settings)
    async with _client(app) as signing:
        tokens = await sign_in_tokens(signing, seeded)
        # What a production worker does once it has started: the start-up heap frozen.
        gc.collect()
        gc.freeze()
        client = _asgi_client(app)
        by_name = {op.name: op for op in operations(seeded)}
        counting = spec["measure"] == "instructions"
        callgrind = Callgrind(os.environ["BENCH_CALLGRIND_OUT"]) if counting else None
        for name in spec["ops"]:
            op = by_name[name]
            headers = {"content-type": "application/json"}
            token = tokens.get(op.caller)
            if token:
                headers["authorization"] = f"Bearer {token}"
            body = orjson.dumps({"query": op.query, "variables": op.variables})

            async def run(
                n: int, body: bytes = body, headers: dict[str, str] = headers, name: str = name
            ) -> None:
                for _ in range(n):
                    answer = await client.post("/graphql", content=body, headers=headers)
                    if answer.status_code != 200 or b'"errors"' in answer.content:
                        raise AssertionError(f"{name}: {answer.status_code} {answer.text[:500]}")

            await run(20)  # caches, pool connections, statement compilation
            found: dict[str, Any] = {"op": name}
            if spec["measure"] == "profile":
                found.update(await _profile(run, spec["requests"]))
            elif callgrind is not None:
                short = await callgrind.count(run, SHORT)
                long = await callgrind.count(run, LONG)
                found["instructions"] = round((long - short) / (LONG - SHORT))
            else:
                rounds = []
                for _ in range(spec["rounds"]):
                    started = time.process_time()
                    await run(spec["requests"])
                    rounds.append((time.process_time() - started) * 1000 / spec["requests"])
                found["cpu_ms"] = round(min(rounds), 3)
                found["rounds_ms"] = [round(ms, 3) for ms in rounds]
            print(json.dumps(found), flush=True)


def main() -> None:
    spec = json.loads(sys.argv[1])
    with tempfile.TemporaryDirectory(prefix="bench-across-") as tmp:
        url = bench_run._fresh_database(spec["database"], Path(tmp))
        try:
            upgrade_sync(url)
            seeded = seed(url, deep_books=spec["deep_books"])
            asyncio.run(_measure(spec, url, seeded))
        finally:
            bench_run._drop_database(url)


if __name__ == "__main__":
    main()
