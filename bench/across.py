"""The same requests measured on several checkouts: `python -m bench.across --help`.

    git worktree add /tmp/before 9e5cc38 && ln -s "$PWD/.venv" /tmp/before/.venv
    python -m bench.across --trees /tmp/before . --measure instructions
    python -m bench.across --trees /tmp/before . --measure cpu --alternations 3

How much a request costs the service, then and now, on one machine: each checkout seeds a
fresh database as the benchmark does and runs its own app in process, driven by one ASGI
client (bench/across_driver.py, run inside each checkout), the start-up heap frozen.

- `--measure cpu`: process CPU time (user and system) per request, the best of `--rounds`
  rounds of `--requests`, the checkouts alternated `--alternations` times, so that a slow
  stretch of a shared machine falls on all of them.
- `--measure instructions`: the instructions the service's process executes per request,
  counted by valgrind's callgrind (user space only: not the kernel's work for its sockets).
  It does not move between runs, so it shows what a change saved where CPU time, on a VM
  whose speed changes by a fifth from minute to minute, cannot. ~50x slower than native.
- `--measure profile`: cProfile over `--requests` requests: own time per request by package
  in µs (this checkout's top folders: `schema`, `resolvers`, ...; `~` is builtins, `bench`
  the driver) and calls per request. cProfile's cost per call is in the times.

Any checkout since issue 12 began (93fd3a1) has what the driver uses. Its own `.venv` is used
when it has one, else this interpreter. MariaDB on 127.0.0.1:3306 (`--database mysql`, the
default) or a SQLite file.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

DRIVER = Path(__file__).resolve().with_name("across_driver.py")
OPS = ["refBooks6", "systemInfos6", "dialogue", "publicScripts20", "createRefBook"]


def _python(tree: Path) -> str:
    venv = tree / ".venv" / "bin" / "python"
    return str(venv) if venv.exists() else sys.executable


def run_tree(tree: Path, spec: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The driver's findings in `tree`, by operation."""
    command = [_python(tree), "-P", str(DRIVER), json.dumps(spec)]
    env = dict(os.environ)
    with tempfile.TemporaryDirectory(prefix="bench-callgrind-") as tmp:
        if spec["measure"] == "instructions":
            out = str(Path(tmp) / "callgrind.out")
            env["BENCH_CALLGRIND_OUT"] = out
            command = [
                "valgrind", "--tool=callgrind", "--instr-atstart=no",
                f"--callgrind-out-file={out}", "--log-file=" + str(Path(tmp) / "valgrind.log"),
                *command,
            ]  # fmt: skip
        done = subprocess.run(command, cwd=tree, env=env, capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(f"{tree}: the driver failed\n{done.stdout[-2000:]}{done.stderr[-4000:]}")
    found = [json.loads(line) for line in done.stdout.splitlines() if line.startswith("{")]
    return {row.pop("op"): row for row in found}


def table(trees: list[Path], results: list[dict[str, dict[str, Any]]], key: str) -> str:
    """One row per operation: each checkout's figure and the last one's ratio to the first."""
    unit = "M instructions" if key == "instructions" else "ms CPU"
    head = " | ".join(str(t) for t in trees)
    lines = [f"| operation ({unit} per request) | {head} | last / first |", "|---|"]
    lines[1] += "--:|" * (len(trees) + 1)
    for op in results[0]:
        values = [float(r[op][key]) for r in results]
        shown = [f"{v / 1e6:.3f}" if key == "instructions" else f"{v:.3f}" for v in values]
        lines.append(f"| {op} | {' | '.join(shown)} | x{values[-1] / values[0]:.2f} |")
    return "\n".join(lines)


def profiles(trees: list[Path], results: list[dict[str, dict[str, Any]]], top: int = 10) -> str:
    """Per operation, each checkout's calls per request and its packages by own time."""
    lines = []
    for op in results[0]:
        lines.append(f"{op}:")
        for tree, found in zip(trees, results, strict=True):
            own = found[op]["own_us"]
            total = sum(own.values())
            listed = ", ".join(f"{name} {us}" for name, us in list(own.items())[:top])
            lines.append(f"  {tree}: {found[op]['calls']} calls, {total} µs a request; {listed}")
    return "\n".join(lines)


def best_of(runs: list[dict[str, dict[str, Any]]]) -> dict[str, dict[str, Any]]:
    """Per operation, the alternation with the least CPU per request."""
    return {op: min((run[op] for run in runs), key=lambda row: row["cpu_ms"]) for op in runs[0]}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.across", description=__doc__)
    parser.add_argument("--trees", nargs="+", type=Path, default=[Path(".")])
    parser.add_argument("--ops", nargs="+", default=OPS)
    parser.add_argument("--measure", choices=["cpu", "instructions", "profile"], default="cpu")
    parser.add_argument("--database", choices=["sqlite", "mysql"], default="mysql")
    parser.add_argument("--alternations", type=int, default=3)
    parser.add_argument("--rounds", type=int, default=6)
    parser.add_argument("--requests", type=int, default=80)
    parser.add_argument("--deep-books", type=int, default=1_000)
    parser.add_argument("--json", action="store_true", help="print the findings as JSON too")
    args = parser.parse_args(argv)
    if args.measure == "instructions" and shutil.which("valgrind") is None:
        raise SystemExit("--measure instructions needs valgrind (Debian: apt-get install valgrind)")
    trees = [tree.resolve() for tree in args.trees]
    spec = {
        "measure": args.measure,
        "ops": args.ops,
        "database": args.database,
        "rounds": args.rounds,
        "requests": args.requests,
        "deep_books": args.deep_books,
    }
    # Instructions and calls do not move between runs: one run of each checkout is enough.
    alternations = args.alternations if args.measure == "cpu" else 1
    runs: list[list[dict[str, dict[str, Any]]]] = [[] for _ in trees]
    for turn in range(alternations):
        for index, tree in enumerate(trees):
            runs[index].append(run_tree(tree, spec))
            print(f"# {turn + 1}/{alternations} {tree}: {runs[index][-1]}", flush=True)
    if args.measure == "cpu":
        results = [best_of(tree_runs) for tree_runs in runs]
        print(table(trees, results, "cpu_ms"))
    elif args.measure == "profile":
        results = [tree_runs[0] for tree_runs in runs]
        print(profiles(trees, results))
    else:
        results = [tree_runs[0] for tree_runs in runs]
        print(table(trees, results, "instructions"))
    if args.json:
        print(json.dumps({str(t): r for t, r in zip(trees, results, strict=True)}, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
