"""The executor alone, no database, no HTTP: `python -m bench.executor --help`.

    python -m bench.executor --executors stock fast --rounds 10

Runs the benchmark's refBooks and publicScripts selections (publicScripts without `scripts`,
whose resolver reads the database) through `AppSchema.execute` on in-memory rows: the root
field answers a Connection over a page of model objects at once (no policy, no SQL), so
what is timed is strawberry's operation and graphql-core's execution below the root field,
with the executors compared round by round, best round kept (`time.process_time()`).
`--also NAME=PATH` adds another executor module's FastExecutionContext (e.g. main's
schema/execution.py from another worktree) to compare branches in one process.
"""

from __future__ import annotations

import argparse
import asyncio
import importlib.util
import json
import sys
import time
from datetime import UTC, datetime, timedelta
from typing import Any

from models import PublicScript, RefBook
from resolvers.pagination import Page
from schema.build import build_schema
from schema.connections import Connection
from schema.execution import FastExecutionContext, StockExecutionContext

REF_BOOKS = """
query RefBooks($first: Int!) {
  refBooks(first: $first) {
    edges { cursor node { id author title createdAt updatedAt } }
    pageInfo { hasNextPage hasPreviousPage endCursor }
  }
}
"""
PUBLIC_SCRIPTS = """
query PublicScripts($first: Int!) {
  publicScripts(first: $first) {
    edges { cursor node { id name descriptionSummary createdAt } }
    pageInfo { hasNextPage endCursor }
  }
}
"""


async def _no_count() -> int:
    return 0


def _page(rows: list[Any]) -> Page[Any]:
    return Page(
        rows=rows,
        has_next_page=True,
        has_previous_page=False,
        count=_no_count,
        cursor_of=lambda row: f"cursor-{row.id}",
    )


def _rows(n: int) -> dict[str, list[Any]]:
    when = datetime(2026, 1, 2, 3, 4, 5, 678901, tzinfo=UTC)
    books = [
        RefBook(
            id=i,
            user_id=1,
            author=f"author {i}",
            title=f"title {i}",
            created_at=when + timedelta(seconds=i),
            updated_at=when + timedelta(seconds=i),
        )
        for i in range(1, n + 1)
    ]
    scripts = [
        PublicScript(
            id=i,
            user_id=1,
            name=f"script {i}",
            description="d" * 150,
            created_at=when + timedelta(seconds=i),
            updated_at=when + timedelta(seconds=i),
        )
        for i in range(1, n + 1)
    ]
    return {"refBooks": books, "publicScripts": scripts}


def _executors(also: list[str]) -> dict[str, type[Any]]:
    found: dict[str, type[Any]] = {"stock": StockExecutionContext, "fast": FastExecutionContext}
    for entry in also:
        name, path = entry.split("=", 1)
        spec = importlib.util.spec_from_file_location(f"bench_executor_{name}", path)
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        sys.modules[spec.name] = module
        spec.loader.exec_module(module)
        found[name] = module.FastExecutionContext
    return found


async def measure(
    executors: dict[str, type[Any]], names: list[str], requests: int, rounds: int, first: int
) -> dict[str, dict[str, float]]:
    schema = build_schema()
    rows = _rows(first)
    query_type = schema._schema.query_type
    assert query_type is not None
    for field_name, found in rows.items():

        async def resolve(_source: Any, _info: Any, found: list[Any] = found, **_: Any) -> Any:
            return Connection(page=_page(found))

        query_type.fields[field_name].resolve = resolve
    results: dict[str, dict[str, float]] = {}
    for label, document in (("refBooks", REF_BOOKS), ("publicScripts", PUBLIC_SCRIPTS)):
        variables = {"first": first}
        best: dict[str, float] = {}
        answers: dict[str, str] = {}
        for name in names:  # warm-up, and every executor gives the same answer
            schema.execution_context_class = executors[name]
            result = await schema.execute(document, variable_values=variables)
            assert not result.errors, result.errors
            answers[name] = json.dumps(result.data)
        assert len(set(answers.values())) == 1, answers
        for _ in range(rounds):
            for name in names:
                schema.execution_context_class = executors[name]
                started = time.process_time()
                for _ in range(requests):
                    await schema.execute(document, variable_values=variables)
                ms = (time.process_time() - started) * 1000 / requests
                best[name] = min(best.get(name, ms), ms)
        results[f"{label}{first}"] = {name: round(ms, 4) for name, ms in best.items()}
        print(label, results[f"{label}{first}"], flush=True)
    return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.executor", description=__doc__)
    parser.add_argument("--executors", nargs="+", default=["stock", "fast"])
    parser.add_argument("--also", nargs="*", default=[], metavar="NAME=PATH")
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--rounds", type=int, default=10)
    parser.add_argument("--first", type=int, default=20)
    args = parser.parse_args(argv)
    executors = _executors(args.also)
    names = [*args.executors, *(entry.split("=", 1)[0] for entry in args.also)]
    found = asyncio.run(measure(executors, names, args.requests, args.rounds, args.first))
    print(json.dumps({"ms_per_execute": found}, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
