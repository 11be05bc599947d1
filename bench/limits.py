"""The limits' worst cases (issue 10): what each answers and the CPU it costs per request.

In this process, on the benchmark's database, as the main user, through the app over ASGI.
Each document is sent `repeat` times as a new text (a comment with a counter defeats the
parse and validation caches, as an attacker varying the document would) and as the same
text (the caches' path); the CPU time of this process per request is reported (it includes
the in-process HTTP client: see `{ __typename }` for that floor). `check ms` is parsing,
the limit pass, validation and the cost alone, uncached: what any document costs before it
runs. The random documents (tests.random_documents) give the slowest check among those the
limits accept.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import orjson
from graphql import GraphQLSchema, specified_rules, validate

from bench.inprocess import Counter, _client
from main import create_app
from schema.cost import compile_cost
from schema.document import operation_problem, parse_document
from schema.limits import QueryLimits
from schema.shape import measure
from settings import Settings
from tests.limits_documents import (
    DIALOGUE_ATTACK,
    INTROSPECTION,
    LARGEST_ACCEPTED,
    ORDINARY_SCREEN,
    SIBLINGS_AT_LIMIT,
    fragment_chain,
    respread_chain,
    sibling_fields,
)
from tests.random_documents import random_document

CASES: list[tuple[str, str]] = [
    ("typename", "query { __typename }"),
    ("fragmentChain22", fragment_chain(22)),
    ("fragmentChain40", fragment_chain(40)),
    ("fragmentChain60", fragment_chain(60)),
    ("siblings248", sibling_fields(248)),
    ("dialogueAttack", DIALOGUE_ATTACK),
    ("siblingsAtLimit", SIBLINGS_AT_LIMIT),
    ("largestAccepted", LARGEST_ACCEPTED),
    ("respread", respread_chain(44)),
    ("introspection", INTROSPECTION),
    ("ordinaryScreen", ORDINARY_SCREEN),
]
LABELS = {
    "typename": "`{ __typename }` (floor)",
    "fragmentChain22": "fragment chain, 22 levels (863 B)",
    "fragmentChain40": "fragment chain, 40 levels",
    "fragmentChain60": "fragment chain, 60 levels",
    "siblings248": "248 sibling `publicScripts { totalCount }`",
    "dialogueAttack": "20 aliases x 20 SystemInfos with dialogues and contents",
    "siblingsAtLimit": "26 siblings (50 repeated fields, the limit)",
    "largestAccepted": "largest accepted: 20 aliases x 15 fields (300 fields, the limit)",
    "respread": "the largest accepted, passed on through 44 fragments",
    "introspection": "GraphiQL's introspection query",
    "ordinaryScreen": "ordinary screen: 20 SystemInfos, links, contents, dialogues",
}
RANDOM_SEEDS = 300


def _code(answer: dict[str, Any]) -> str:
    errors = answer.get("errors") or []
    return errors[0]["extensions"]["code"] if errors else "answered"


def _cpu_ms(run: Callable[[], Any], repeat: int) -> float:
    started = time.process_time()
    for _ in range(repeat):
        run()
    return round((time.process_time() - started) * 1000 / repeat, 2)


def check_cpu(schema: GraphQLSchema, limits: QueryLimits, query: str) -> tuple[bool, Any]:
    """Everything before execution, uncached: (accepted, callable doing it once)."""

    def once() -> bool:
        try:
            document = parse_document(query, limits.max_tokens)
        except Exception:
            return False
        if operation_problem(document, None) or measure(document, limits.shape).refusal:
            return False
        if validate(schema, document, specified_rules):
            return False
        return compile_cost(schema, document).cost({}) <= limits.max_cost

    return once(), once


async def run(settings: Settings, token: str, repeat: int = 50) -> dict[str, Any]:
    app = create_app(lambda: settings)
    limits = QueryLimits.from_settings(settings)
    # Production (the MariaDB run) refuses introspection: GRAPHQL_VALIDATION_FAILED.
    results: dict[str, Any] = {
        "cases": {},
        "repeat": repeat,
        "introspection": settings.introspection_enabled,
    }
    async with _client(app) as client:
        schema: GraphQLSchema = app.state.graphql.schema._schema
        engine = app.state.services.engine
        headers = {"content-type": "application/json", "authorization": f"Bearer {token}"}

        async def post(query: str) -> dict[str, Any]:
            body = orjson.dumps({"query": query})
            response = await client.post("/graphql", content=body, headers=headers)
            response.raise_for_status()
            answer: dict[str, Any] = response.json()
            return answer

        async def cpu_per_request(texts: list[str]) -> float:
            started = time.process_time()
            for text in texts:
                await post(text)
            return round((time.process_time() - started) * 1000 / len(texts), 2)

        # Warm up first (imports, pools, the first requests' one-off work).
        for name, query in CASES * 3:
            await post(f"{query}\n# warm-up {name}")
        for name, query in CASES:
            with Counter(engine) as counted:
                answer = await post(query)
            fresh = await cpu_per_request([f"{query}\n# {i}" for i in range(repeat)])
            cached = await cpu_per_request([query] * repeat)
            _, once = check_cpu(schema, limits, query)
            results["cases"][name] = {
                "bytes": len(query.encode()),
                "answer": _code(answer),
                "statements": counted.count,
                "cpu_ms_new_text": fresh,
                "cpu_ms_same_text": cached,
                "check_ms": _cpu_ms(once, repeat),
            }
        slowest, slowest_seed, accepted_count = 0.0, -1, 0
        for seed in range(RANDOM_SEEDS):
            query = random_document(schema, seed).query
            accepted, once = check_cpu(schema, limits, query)
            if not accepted:
                continue
            accepted_count += 1
            took = min(_cpu_ms(once, 1) for _ in range(3))
            if took > slowest:
                slowest, slowest_seed = took, seed
        results["random"] = {
            "check_ms": slowest,
            "seed": slowest_seed,
            "accepted": accepted_count,
            "of": RANDOM_SEEDS,
        }
    return results


def table(limits: dict[str, Any]) -> list[str]:
    rows = [
        f"Limits, in process ({limits['repeat']} requests each; CPU of this process per "
        "request, the in-process client included):",
        "",
        "| document | bytes | answer | SQL | CPU ms, new text | CPU ms, same text "
        "| check ms (parse, limits, validation, cost) |",
        "|---|--:|---|--:|--:|--:|--:|",
    ]
    for name, case in limits["cases"].items():
        rows.append(
            f"| {LABELS.get(name, name)} | {case['bytes']} | {case['answer']} "
            f"| {case['statements']} | {case['cpu_ms_new_text']} | {case['cpu_ms_same_text']} "
            f"| {case['check_ms']} |"
        )
    slowest = limits["random"]
    rows += [
        "",
        f"Random documents (tests.random_documents, seeds 0-{slowest['of'] - 1}): "
        f"{slowest['accepted']} accepted, the slowest check {slowest['check_ms']} ms "
        f"(seed {slowest['seed']}).",
    ]
    return rows


def problems(limits: dict[str, Any]) -> list[str]:
    """A hostile case answered, or an ordinary one refused, makes the run invalid."""
    found = []
    for name in ("fragmentChain22", "fragmentChain40", "fragmentChain60", "siblings248"):
        case = limits["cases"][name]
        if case["answer"] != "QUERY_TOO_COMPLEX" or case["statements"]:
            found.append(f"limits {name}: {case['answer']} with {case['statements']} statements")
    if limits["cases"]["dialogueAttack"]["answer"] != "QUERY_TOO_COMPLEX":
        found.append("limits dialogueAttack was not refused")
    expected = {"siblingsAtLimit": "answered", "largestAccepted": "answered"}
    expected["respread"] = "answered"
    expected["ordinaryScreen"] = "answered"
    expected["introspection"] = (
        "answered" if limits["introspection"] else "GRAPHQL_VALIDATION_FAILED"
    )
    for name, answer in expected.items():
        if limits["cases"][name]["answer"] != answer:
            found.append(f"limits {name}: {limits['cases'][name]['answer']}, not {answer}")
    return found
