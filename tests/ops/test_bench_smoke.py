"""A few seconds of the benchmark (`make bench`), end to end: it works, not how fast it is.

Seeds a small data set into SQLite, serves the app and the floor with gunicorn, drives
every operation through wrk (bench/wrk.py) and checks the report: every operation measured on
both sides with zero errors, the floor answering what GraphQL answers, statements counted.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from bench.limits import CASES as LIMIT_CASES
from tests.databases import BACKEND

ROOT = Path(__file__).resolve().parents[2]
OPERATIONS = {
    "refBooks6",
    "systemInfos6",
    "dialogue",
    "publicScripts20",
    "pageRow1",
    "pageRow100k",
    "titleRow1",
    "titleRow100k",
    "searchCommon",
    "searchRare",
    "signIn",
    "createRefBook",
    # the same reads by trusted-document hash
    "refBooks6Hash",
    "systemInfos6Hash",
    "dialogueHash",
    "publicScripts20Hash",
}


# Once per `make test`, in the SQLite pass: it takes 30-80 s (by the VM), and `make bench`
# itself runs the same code on MariaDB.
@pytest.mark.skipif(BACKEND != "sqlite", reason="runs once, in the SQLite pass")
def test_the_benchmark_runs_every_operation_without_errors(tmp_path: Path) -> None:
    # given a small run on SQLite: one worker per server, a short warm-up and window, 600 deep
    # books, each limits case sent 3 times each way
    command = [
        sys.executable, "-m", "bench.run", "--databases", BACKEND, "--concurrency", "2",
        "--warmup", "0.1", "--duration", "0.3", "--workers", "1", "--deep-books", "600",
        "--limits-repeat", "3", "--out", str(tmp_path),
    ]  # fmt: skip

    # when it runs
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=240)

    # then it succeeds and reports every operation, both sides, with no errors
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-4000:]
    results = json.loads((tmp_path / "latest.json").read_text())
    (db,) = results["databases"]
    assert db["database"] == BACKEND
    assert {run["op"] for run in db["runs"]} == OPERATIONS
    for run in db["runs"]:
        for side in ("graphql", "floor"):
            measured = run[side]
            assert measured["requests"] > 0, (run["op"], side, measured)
            assert measured["errors"] == 0, (run["op"], side, measured["first_error"])
            assert measured["p50_ms"] > 0
            assert measured["peak_rss_mib"] > 0
            # and the load came from wrk, whose share of the CPU is reported
            assert measured["loader"] == "wrk"
            assert 0 <= measured["loader_cpu_share"] < 1
    # and the floor answers exactly what GraphQL answers, with statements counted on both
    assert all(db["same_json"].values()), db["same_json"]
    assert set(db["statements"]) == OPERATIONS
    assert all(n["graphql"] >= 1 and n["floor"] >= 1 for n in db["statements"].values())
    # and a page of 50 SystemInfos costs no more statements than a page of 5
    assert db["growth"]["first50"] <= db["growth"]["first5"]
    # and the by-hash reads' CPU per request was measured beside their by-text twins
    hashed = {name.removesuffix("Hash") for name in OPERATIONS if name.endswith("Hash")}
    assert set(db["cpu_ms"]) == {
        f"{base}{variant}" for base in hashed for variant in ("", "Cold", "Hash")
    }
    # and the limits' worst cases were measured: the hostile ones refused before any SQL, the
    # ordinary ones answered (bench.limits.problems would have failed the run otherwise)
    assert db["limits"]["repeat"] == 3
    cases = db["limits"]["cases"]
    assert set(cases) == {name for name, _ in LIMIT_CASES}
    chain = cases["fragmentChain60"]
    assert (chain["answer"], chain["statements"]) == ("QUERY_TOO_COMPLEX", 0)
    assert all(case["cpu_ms_new_text"] > 0 for case in cases.values())
    # and the markdown table has a row per operation, the by-hash table one per pair
    table, _, limits_table = (tmp_path / "latest.md").read_text().partition("Limits, in process")
    lines = table.splitlines()
    rows = [line for line in lines if line.startswith("| ") and " | 2 | " in line]
    main = next(line for line in lines if line.startswith("| operation | c | req/s"))
    assert len([row for row in rows if row.count("|") == main.count("|")]) == len(OPERATIONS)
    assert len([row for row in rows if row.count("|") == 12]) == 4, table
    assert "fragment chain, 60 levels" in limits_table


@pytest.mark.skipif(BACKEND != "sqlite", reason="runs once, in the SQLite pass")
def test_the_call_counter_reports_graphql_beside_its_floor() -> None:
    # when the call counter runs one operation with its costliest extra functions
    command = [sys.executable, "-m", "bench.calls", "--database", BACKEND, "--ops", "refBooks6"]
    done = subprocess.run(
        [*command, "--top", "3"], cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    # then it names the operation with both counts, and three functions
    assert done.returncode == 0, done.stderr[-3000:]
    first, *listed = [line for line in done.stdout.splitlines() if line.strip()]
    name, counts = first.split(": ")
    graphql, floor = int(counts.split()[0]), int(counts.split()[-1])
    assert name == "refBooks6" and graphql > floor > 0
    assert len(listed) == 3 and all(" calls " in line for line in listed)


@pytest.mark.skipif(BACKEND != "sqlite", reason="runs once, in the SQLite pass")
def test_the_comparison_across_checkouts_measures_each_operation() -> None:
    # when bench.across measures CPU per request in this checkout, twice in turn
    command = [
        sys.executable, "-m", "bench.across", "--trees", ".", ".", "--database", BACKEND,
        "--ops", "refBooks6", "createRefBook", "--alternations", "2", "--rounds", "2",
        "--requests", "3", "--json",
    ]  # fmt: skip
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=120)

    # then each operation has a figure per checkout, the best of the rounds of both turns
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-3000:]
    found = json.loads(done.stdout[done.stdout.index("\n{") :])
    (only,) = found.values()
    assert set(only) == {"refBooks6", "createRefBook"}
    for row in only.values():
        assert len(row["rounds_ms"]) == 2 and row["cpu_ms"] == min(row["rounds_ms"]) > 0
    # and the table gives the ratio of the last checkout to the first
    row = next(line for line in done.stdout.splitlines() if line.startswith("| refBooks6 | "))
    assert re.fullmatch(r"\| refBooks6 \| [\d.]+ \| [\d.]+ \| x\d+\.\d\d \|", row), row
