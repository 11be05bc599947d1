"""The same load as bench.load, driven by wrk (a C program, Debian's `wrk`), same answer.

    python -m bench.wrk < spec.json > result.json

bench.load is Python on the same 2 cores as the servers: at c=16 it can take a share of the
CPU the servers need, and so bound what it measures. wrk costs a fraction of that. One wrk
thread keeps `concurrency` keep-alive connections busy, first for `warmup` seconds (a run of
its own, not recorded), then for `duration` seconds, both in whole seconds (wrk's unit). A Lua
script sends the request and counts as errors what bench.load counts: a status other than
200, a body with a GraphQL `errors` member, or without the expected bytes; socket errors and
timeouts too. `max_requests` is not supported (wrk runs for a time).
"""

from __future__ import annotations

import json
import math
import resource
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from bench.load import Spec

ENSURE = Path(__file__).resolve().parent.parent / "scripts" / "ensure-wrk.sh"

_SCRIPT = r"""
wrk.method = {method}
wrk.body = {body}
{headers}
local expect = {expect}

errors = 0
first = ""

function response(status, headers, body)
  if status ~= 200 or body:find('"errors":', 1, true)
      or (expect ~= "" and not body:find(expect, 1, true)) then
    errors = errors + 1
    if first == "" then first = status .. " " .. body:sub(1, 300) end
  end
end

local threads = {{}}
function setup(thread) table.insert(threads, thread) end

function done(summary, latency, requests)
  local answered, found = 0, ""
  for _, thread in ipairs(threads) do
    answered = answered + thread:get("errors")
    if found == "" then found = thread:get("first") end
  end
  -- Plain JSON string content: no control characters, quotes or backslashes.
  found = found:gsub('[%c"\\]', "?")
  local e = summary.errors
  local failed = e.connect + e.read + e.write + e.timeout
  io.write("WRK-RESULT ", string.format(
    '{{"requests": %d, "seconds": %.6f, "p50_us": %d, "p90_us": %d, "p99_us": %d, '
    .. '"errors": %d, "socket_errors": %d, "first_error": "%s"}}',
    summary.requests, summary.duration / 1e6, latency:percentile(50),
    latency:percentile(90), latency:percentile(99), answered + failed, failed, found), "\n")
end
"""


def _lua(text: str) -> str:
    # A long bracket string the text cannot close early.
    level = 1
    while f"]{'=' * level}]" in text:
        level += 1
    return f"[{'=' * level}[{text}]{'=' * level}]"


def script(spec: Spec) -> str:
    headers = "\n".join(
        f"wrk.headers[ {_lua(name)} ] = {_lua(value)}" for name, value in spec.headers.items()
    )
    return _SCRIPT.format(
        method=_lua(spec.method),
        body=_lua(spec.body),
        headers=headers,
        expect=_lua(spec.expect),
    )


def _run(spec: Spec, lua: Path, seconds: float) -> dict[str, Any]:
    url = f"http://{spec.host}:{spec.port}{spec.path}"
    # wrk takes whole seconds; a fraction is rounded up so the window is never shorter.
    duration = f"{max(1, math.ceil(seconds))}s"
    command = ["wrk", "-t1", f"-c{spec.concurrency}", f"-d{duration}"]
    command += [f"--timeout={max(1, math.ceil(spec.timeout))}s", "-s", str(lua), url]
    done = subprocess.run(command, capture_output=True, text=True, check=True)
    line = next(
        (l for l in done.stdout.splitlines() if l.startswith("WRK-RESULT ")),  # noqa: E741
        None,
    )
    if line is None:
        raise RuntimeError(f"wrk gave no result:\n{done.stdout}\n{done.stderr}")
    found: dict[str, Any] = json.loads(line.removeprefix("WRK-RESULT "))
    return found


def drive(spec: Spec) -> dict[str, Any]:
    if shutil.which("wrk") is None:
        subprocess.run([str(ENSURE)], check=True)
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    with tempfile.TemporaryDirectory(prefix="bench-wrk-") as tmp:
        lua = Path(tmp) / "request.lua"
        lua.write_text(script(spec))
        # wrk counts whole seconds: a warm-up under half a second is skipped, not stretched.
        if spec.warmup >= 0.5:
            _run(spec, lua, round(spec.warmup))
        found = _run(spec, lua, spec.duration)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    seconds = found["seconds"]
    return {
        "concurrency": spec.concurrency,
        "requests": found["requests"],
        "seconds": round(seconds, 3),
        "rps": round(found["requests"] / seconds, 1) if seconds > 0 else 0.0,
        "p50_ms": round(found["p50_us"] / 1000, 2),
        "p90_ms": round(found["p90_us"] / 1000, 2),
        "p99_ms": round(found["p99_us"] / 1000, 2),
        "errors": found["errors"],
        "first_error": found["first_error"],
        # wrk's own CPU, warm-up included (this wrapper's few milliseconds are not).
        "loader_cpu_seconds": round(cpu, 3),
    }


def main() -> int:
    spec = Spec(**json.load(sys.stdin))
    json.dump(drive(spec), sys.stdout)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
