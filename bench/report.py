"""The benchmark's results as a markdown table, the targets of issues 6 and 12, what went wrong."""

from __future__ import annotations

from typing import Any

from bench import limits as bench_limits

NAMES = {"sqlite": "SQLite", "mysql": "MariaDB"}
# requests/s at concurrency 16 (issue 6)
RPS_TARGETS = {"refBooks6": 300, "systemInfos6": 200, "dialogue": 200, "signIn": 15}
# Issue 12: floor/GraphQL req/s at c=16 (reads, createRefBook); GraphQL/floor p99 at c=16 and
# p50 at c=1 (reads).
FLOOR_RATIO_TARGET = 1.6
WRITE_FLOOR_RATIO_TARGET = 1.5
TAIL_RATIO_TARGET = 1.5
DEEP_PAGE_TARGET = 1.2
READS = ("refBooks6", "systemInfos6", "dialogue", "publicScripts20", "pageRow1", "pageRow100k")
# (page, the page it must stay within DEEP_PAGE_TARGET of, what the comparison says)
FLAT_PAGES = (
    ("pageRow100k", "pageRow1", "deep page"),
    ("titleRow100k", "titleRow1", "deep page by title"),
    ("searchCommon", "pageRow1", "searched page (~9% match)"),
    ("searchRare", "pageRow1", "searched page (1 match: every row looked at)"),
)


def _ratio(run: dict[str, Any]) -> float:
    """How many times the floor's throughput the GraphQL operation's is below (1.0 = equal)."""
    graphql, floor = run["graphql"]["rps"], run["floor"]["rps"]
    return round(floor / graphql, 2) if graphql else float("inf")


def _latency_ratio(run: dict[str, Any], key: str) -> float:
    graphql, floor = run["graphql"][key], run["floor"][key]
    return round(graphql / floor, 2) if floor else float("inf")


def _split(side: dict[str, Any]) -> str:
    split = side.get("connections_per_worker")
    return "-" if not split else "+".join(str(n) for n in split)


def line(run: dict[str, Any]) -> str:
    g, f = run["graphql"], run["floor"]
    return (
        f"{run['op']:<16} {g['rps']:>7} rps p50 {g['p50_ms']:>6} ms p99 {g['p99_ms']:>7} ms "
        f"err {g['errors']} | floor {f['rps']:>7} rps p50 {f['p50_ms']:>6} ms "
        f"p99 {f['p99_ms']:>7} ms | x{_ratio(run)} cpu {g['worker_cpu_share']} "
        f"loader {g.get('loader', '?')} {g.get('loader_cpu_share', '?')} "
        f"split {_split(g)} / {_split(f)}" + _repeats(g, f)
    )


def _repeats(graphql: dict[str, Any], floor: dict[str, Any]) -> str:
    if "runs_rps" not in graphql:
        return ""
    return f" | runs {graphql['runs_rps']} / {floor['runs_rps']}"


def _table(db: dict[str, Any]) -> list[str]:
    rows = [
        "| operation | c | req/s | p50 ms | p90 ms | p99 ms | errors | SQL/req | floor req/s "
        "| floor p50 ms | floor p99 ms | floor SQL/req | floor/GraphQL req/s "
        "| GraphQL/floor p50 | GraphQL/floor p99 | peak RSS MiB (all workers) "
        "| loader CPU share (GraphQL / floor) | connections per worker (GraphQL / floor) |",
        "|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|",
    ]
    for run in db["runs"]:
        g, f = run["graphql"], run["floor"]
        sql = db["statements"][run["op"]]
        rows.append(
            f"| {run['label']} | {g['concurrency']} | {g['rps']} | {g['p50_ms']} | {g['p90_ms']} "
            f"| {g['p99_ms']} | {g['errors']} | {sql['graphql']} | {f['rps']} | {f['p50_ms']} "
            f"| {f['p99_ms']} | {sql['floor']} | {_ratio(run)} | {_latency_ratio(run, 'p50_ms')} "
            f"| {_latency_ratio(run, 'p99_ms')} | {g['peak_rss_mib']} "
            f"| {g.get('loader_cpu_share', '-')} / {f.get('loader_cpu_share', '-')} "
            f"| {_split(g)} / {_split(f)} |"
        )
    return rows


def _runs(db: dict[str, Any], concurrency: int) -> dict[str, dict[str, Any]]:
    return {r["op"]: r for r in db["runs"] if r["graphql"]["concurrency"] == concurrency}


def targets(db: dict[str, Any]) -> list[tuple[str, bool]]:
    """(what was measured, met?) for each target of issues 6 and 12 this run can judge."""
    found: list[tuple[str, bool]] = []
    growth = db["growth"]
    found.append(
        (
            "statements per request for a SystemInfo page with books, materials, contents "
            f"and dialogues: {growth['first50']} for 50 rows, {growth['first5']} for 5",
            growth["first50"] <= growth["first5"],
        )
    )
    c1, c16 = _runs(db, 1), _runs(db, 16)
    for label, runs in (("c=1", c1), ("c=16", c16)):
        for op, base, what in FLAT_PAGES:
            if op not in runs or base not in runs:
                continue
            first, page = runs[base]["graphql"]["p50_ms"], runs[op]["graphql"]["p50_ms"]
            ratio = round(page / first, 2) if first else float("inf")
            found.append(
                (
                    f"{what} p50 {page} ms vs {base} {first} ms ({label}): x{ratio}",
                    ratio <= DEEP_PAGE_TARGET,
                )
            )
    for op in READS:
        if op in c16:
            ratio = _ratio(c16[op])
            found.append(
                (
                    f"{op} at c=16: floor/GraphQL req/s x{ratio} (target {FLOOR_RATIO_TARGET})",
                    ratio <= FLOOR_RATIO_TARGET,
                )
            )
            tail = _latency_ratio(c16[op], "p99_ms")
            found.append(
                (
                    f"{op} at c=16: GraphQL/floor p99 x{tail} (target {TAIL_RATIO_TARGET})",
                    tail <= TAIL_RATIO_TARGET,
                )
            )
        if op in c1:
            p50 = _latency_ratio(c1[op], "p50_ms")
            found.append(
                (
                    f"{op} at c=1: GraphQL/floor p50 x{p50} (target {TAIL_RATIO_TARGET})",
                    p50 <= TAIL_RATIO_TARGET,
                )
            )
    if "createRefBook" in c16:
        ratio = _ratio(c16["createRefBook"])
        found.append(
            (
                f"createRefBook at c=16: floor/GraphQL req/s x{ratio} "
                f"(target {WRITE_FLOOR_RATIO_TARGET})",
                ratio <= WRITE_FLOOR_RATIO_TARGET,
            )
        )
    for op, goal in RPS_TARGETS.items():
        if op in c16:
            rps = c16[op]["graphql"]["rps"]
            found.append((f"{op} at c=16: {rps} req/s (target {goal})", rps >= goal))
    return found


def by_hash(db: dict[str, Any]) -> list[str]:
    """The reads by hash beside the same reads by text: what a trusted document saves."""
    runs = {(r["op"], r["graphql"]["concurrency"]): r["graphql"] for r in db["runs"]}
    cpu = db.get("cpu_ms", {})
    rows = [
        "| read | c | by text req/s | by hash req/s | by text p50 ms | by hash p50 ms "
        "| CPU ms/req: by text, cached | by text, each new | by hash "
        "| saved vs cached | saved vs each new |",
        "|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|",
    ]
    for (name, c), hashed in runs.items():
        text = runs.get((name.removesuffix("Hash"), c))
        if not name.endswith("Hash") or text is None:
            continue
        base = name.removesuffix("Hash")
        text_cpu, cold_cpu, hash_cpu = cpu.get(base), cpu.get(f"{base}Cold"), cpu.get(name)

        def saved(than: float | None, hash_cpu: float | None = hash_cpu) -> object:
            return round(than - hash_cpu, 3) if than and hash_cpu else "-"

        rows.append(
            f"| {base} | {c} | {text['rps']} | {hashed['rps']} | {text['p50_ms']} "
            f"| {hashed['p50_ms']} | {text_cpu or '-'} | {cold_cpu or '-'} | {hash_cpu or '-'} "
            f"| {saved(text_cpu)} | {saved(cold_cpu)} |"
        )
    return rows if len(rows) > 2 else []


def markdown(results: dict[str, Any]) -> str:
    m = results["machine"]
    out = [
        f"Machine: {m['nproc']} CPUs ({m['cpu']}), Python {m['python']}, {m['date']}; "
        f"`{results['command']}`; {results['seconds']} s in all; loader "
        f"{results['settings'].get('loader', '?')}, load average at the start "
        f"{results.get('loadavg', '?')}.",
        "",
    ]
    for db in results["databases"]:
        if not db["runs"]:
            out += [f"### {NAMES.get(db['database'], db['database'])}", ""]
            out += [*bench_limits.table(db["limits"]), ""]
            continue
        out += [
            f"### {NAMES.get(db['database'], db['database'])}",
            "",
            f"Seeded {sum(db['seeded_rows'].values())} rows in {db['seed_seconds']} s. "
            "Floor answers identical to GraphQL (reads; writes: same shape): "
            + ", ".join(f"{k} {'yes' if v else 'NO'}" for k, v in db["same_json"].items()),
            "",
            *_table(db),
            "",
            *(
                ["By hash (trusted document, prepared at start-up) and by text:", "", *rows, ""]
                if (rows := by_hash(db))
                else []
            ),
            "Targets:",
            "",
            *(f"- [{'x' if ok else ' '}] {what}" for what, ok in targets(db)),
            "",
            *bench_limits.table(db["limits"]),
            "",
        ]
    return "\n".join(out)


def problems(results: dict[str, Any]) -> list[str]:
    """What makes the run invalid (not slow): errors, floor answers that differ, growth."""
    found: list[str] = []
    for db in results["databases"]:
        name = db["database"]
        for run in db["runs"]:
            for side in ("graphql", "floor"):
                if run[side]["errors"]:
                    found.append(f"{name} {run['op']} {side}: {run[side]['first_error']}")
        for op, same in db["same_json"].items():
            if not same:
                found.append(f"{name} {op}: the floor's answer differs from GraphQL's")
        found += [f"{name} {problem}" for problem in bench_limits.problems(db["limits"])]
    return found
