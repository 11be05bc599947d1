"""Every operation of the clients and of the test suite, run by graphql-core's own executor and
by ours (schema/execution.py) on the same data, gets the same data and the same errors.

Documents: every operation of clients/operations/*.graphql (with the fragments it uses, as
codegen sends it) and every GraphQL document the tests send: the module constants and the
string literals of tests/*.py, tests/api, tests/cluster and tests/ops. Variables come from
the seeded data: each ID variable takes in turn the caller's own object of every kind,
another user's, a missing one and one that does not parse; numbers and cursors also come out
of range. Callers: nobody, the owner, another user, an admin. A mutation's root resolver runs
once (the write is made once): the second executor completes the very result it returned.
"""

from __future__ import annotations

import ast
import importlib
import itertools
import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from graphql import (
    DocumentNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLEnumType,
    GraphQLError,
    GraphQLInputObjectType,
    GraphQLInputType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLScalarType,
    OperationDefinitionNode,
    OperationType,
    is_input_type,
    parse,
    print_ast,
    type_from_ast,
    validate,
    visit,
)
from graphql.language import Visitor
from sqlalchemy import delete, insert
from sqlmodel import SQLModel
from strawberry.utils.await_maybe import await_maybe

from models import SystemInfo, SystemInfoRefBook, SystemInfoRefData
from resolvers.context import Context
from resolvers.errors import ErrorCode
from resolvers.ids import pk_of, to_global_id
from schema.build import AppSchema, build_schema
from schema.errors import code_of, format_error
from schema.execution import FastExecutionContext, StockExecutionContext
from services import Services
from tests.data_api import (
    QUICK_PASSWORD,
    insert_returning_ids,
    quick_account,
    seed_books,
    seed_datas,
    seed_public_scripts,
    stamps,
    user_pk,
)
from tests.type_names import REF_BOOK, SYSTEM_INFO

ROOT = Path(__file__).resolve().parents[2]
CLIENT_OPERATIONS = ROOT / "clients" / "operations"
SUITE = [
    *sorted((ROOT / "tests").glob("*.py")),
    *sorted((ROOT / "tests" / "api").glob("*.py")),
    *sorted((ROOT / "tests" / "cluster").glob("*.py")),
    *sorted((ROOT / "tests" / "ops").glob("*.py")),
]
MISSING_ID = to_global_id(REF_BOOK, 987_654_321)


# ---- the documents -------------------------------------------------------------------------


def _suite_strings() -> set[str]:
    """Every string a test module defines at module level or writes as a literal."""
    found: set[str] = set()
    for path in SUITE:
        tree = ast.parse(path.read_text())
        found |= {
            node.value
            for node in ast.walk(tree)
            if isinstance(node, ast.Constant) and isinstance(node.value, str)
        }
        # Module constants built with f-strings only exist once the module is imported.
        module = importlib.import_module(".".join(path.relative_to(ROOT).with_suffix("").parts))
        found |= {value for value in vars(module).values() if isinstance(value, str)}
    return found


def _documents(text: str) -> DocumentNode | None:
    try:
        document = parse(text)
    except GraphQLError:
        return None
    if not any(isinstance(d, OperationDefinitionNode) for d in document.definitions):
        return None
    return document


def _spreads(node: Any) -> set[str]:
    names: set[str] = set()

    class Spreads(Visitor):
        def enter_fragment_spread(self, spread: FragmentSpreadNode, *_args: Any) -> None:
            names.add(spread.name.value)

    visit(node, Spreads())
    return names


def _single_operations(document: DocumentNode) -> list[str]:
    """Each operation with the fragments it uses, transitively: one document each."""
    fragments = {
        d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)
    }
    single: list[str] = []
    for operation in document.definitions:
        if not isinstance(operation, OperationDefinitionNode):
            continue
        needed: set[str] = set()
        todo = _spreads(operation)
        while todo:
            name = todo.pop()
            if name in needed or name not in fragments:
                continue
            needed.add(name)
            todo |= _spreads(fragments[name])
        parts = [operation, *(fragments[name] for name in sorted(needed))]
        single.append("\n".join(print_ast(part) for part in parts))
    return single


def collect(schema: AppSchema) -> tuple[list[str], int]:
    """The valid single-operation documents, and how many texts were GraphQL at all."""
    texts = list(_suite_strings())
    texts.append("\n".join(p.read_text() for p in sorted(CLIENT_OPERATIONS.glob("*.graphql"))))
    operations: set[str] = set()
    parsed = 0
    for text in texts:
        document = _documents(text)
        if document is None:
            continue
        parsed += 1
        operations |= set(_single_operations(document))
    valid = [op for op in sorted(operations) if not validate(schema._schema, parse(op))]
    return valid, parsed


# ---- the data and the variables ------------------------------------------------------------


@dataclass
class Seeded:
    tokens: dict[str, str | None]
    own: dict[str, str]
    foreign: dict[str, str]
    own_books: list[str]
    own_datas: list[str]


async def _system_info(services: Services, owner: int, books: list[str], datas: list[str]) -> str:
    async with services.sessions.begin() as session:
        (pk,) = await insert_returning_ids(
            session,
            SystemInfo,
            [
                {
                    "user_id": owner,
                    "description": "differential",
                    "language": "EN",
                    "major": "physics",
                    "understanding_level": 2,
                    "only_use_reference_data": False,
                    "data_sequence": True,
                }
            ],
        )
        for model, column, ids, kind in (
            (SystemInfoRefBook, "ref_book_id", books, "RefBook"),
            (SystemInfoRefData, "ref_data_id", datas, "RefData"),
        ):
            if not ids:
                continue
            await session.execute(
                insert(model),
                [
                    {"system_info_id": pk, column: pk_of(global_id, kind), "position": i}
                    for i, global_id in enumerate(ids)
                ],
            )
    return to_global_id(SYSTEM_INFO, pk)


_names = itertools.count(1)


async def seed(services: Services) -> Seeded:
    async with services.sessions.begin() as session:
        for table in reversed(SQLModel.metadata.sorted_tables):
            await session.execute(delete(table))
    n = next(_names)
    owner = await quick_account(services, f"diffown{n}")
    other = await quick_account(services, f"diffother{n}")
    admin = await quick_account(services, f"diffadmin{n}", is_admin=True)
    books = await seed_books(services, user_pk(owner), stamps(3))
    datas = await seed_datas(services, user_pk(owner), stamps(3))
    other_books = await seed_books(services, user_pk(other), stamps(1), prefix="theirs")
    other_datas = await seed_datas(services, user_pk(other), stamps(1), prefix="theirs")
    info = await _system_info(services, user_pk(owner), books[:2], datas)
    await _system_info(services, user_pk(owner), [], [])
    other_info = await _system_info(services, user_pk(other), other_books, other_datas)
    scripts = await seed_public_scripts(services, stamps(3))
    return Seeded(
        tokens={"nobody": None, "owner": owner.token, "other": other.token, "admin": admin.token},
        own={"book": books[0], "data": datas[0], "info": info, "script": scripts[0]}
        | {"user": owner.id},
        foreign={"book": other_books[0], "data": other_datas[0], "info": other_info},
        own_books=books,
        own_datas=datas,
    )


def _value(type_: GraphQLInputType, name: str, seeded: Seeded, the_id: str, edge: bool) -> Any:
    if isinstance(type_, GraphQLNonNull):
        return _value(type_.of_type, name, seeded, the_id, edge)
    if isinstance(type_, GraphQLList):
        if name == "refBookIds":
            return seeded.own_books[:2] + ([the_id] if edge else [])
        if name == "refDataIds":
            return seeded.own_datas[:2]
        return [_value(type_.of_type, name, seeded, the_id, edge)]
    if isinstance(type_, GraphQLInputObjectType):
        return {
            field: _value(definition.type, field, seeded, the_id, edge)
            for field, definition in type_.fields.items()
        }
    if isinstance(type_, GraphQLEnumType):
        return next(iter(type_.values))
    assert isinstance(type_, GraphQLScalarType)
    lowered = name.lower()
    return {
        "ID": the_id,
        "Int": 0 if edge else 2,
        "Boolean": edge,
    }.get(type_.name) or (
        QUICK_PASSWORD
        if "password" in lowered
        else f"diff{next(_names)}"
        if lowered == "username"
        else f"diff{next(_names)}@example.com"
        if lowered == "email"
        else ("not-a-cursor" if edge else None)
        if lowered in ("after", "before")
        else "not-a-token"
        if "token" in lowered or lowered == "t"
        else f"diff {name} " * (40 if edge else 1)
    )


def variable_sets(schema: AppSchema, document: str, seeded: Seeded) -> list[dict[str, Any]]:
    (operation,) = [
        d for d in parse(document).definitions if isinstance(d, OperationDefinitionNode)
    ]
    definitions = operation.variable_definitions or ()
    types = {d.variable.name.value: type_from_ast(schema._schema, d.type) for d in definitions}
    has_id = any("ID" in print_ast(d.type) for d in definitions)
    ids = (
        [*seeded.own.values(), *seeded.foreign.values(), MISSING_ID, "not-an-id"]
        if has_id
        else [seeded.own["book"]]
    )
    sets: list[dict[str, Any]] = []
    for the_id, edge in [*((i, False) for i in ids), (seeded.own["info"], True)]:
        values: dict[str, Any] = {}
        for name, type_ in types.items():
            assert is_input_type(type_)
            if not isinstance(type_, GraphQLNonNull) and name in ("last", "before", "after"):
                values[name] = _value(type_, name, seeded, the_id, edge) if edge else None
                continue
            values[name] = _value(type_, name, seeded, the_id, edge)
        sets.append(values)
    return sets


# ---- both executors, one write ---------------------------------------------------------------


class Replay:
    """Mutation roots: the first run records what each returned or raised, the second gets it."""

    def __init__(self) -> None:
        self.recording = True
        self.results: dict[str | int, tuple[bool, Any]] = {}

    def wrap(self, resolve: Callable[..., Any]) -> Callable[..., Awaitable[Any]]:
        async def resolve_once(source: Any, info: Any, **kwargs: Any) -> Any:
            key = info.path.key
            if not self.recording:
                ok, value = self.results[key]
                if ok:
                    return value
                raise value
            try:
                value = await await_maybe(resolve(source, info, **kwargs))
            except Exception as error:
                self.results[key] = (False, error)
                raise
            self.results[key] = (True, value)
            return value

        return resolve_once


@pytest.fixture(scope="module")
def schema_and_replay() -> tuple[AppSchema, Replay]:
    schema = build_schema()
    replay = Replay()
    mutation_type = schema._schema.mutation_type
    assert mutation_type is not None
    for field in mutation_type.fields.values():
        assert field.resolve is not None
        field.resolve = replay.wrap(field.resolve)
    return schema, replay


def outcome(result: Any) -> tuple[str, list[tuple[Any, ...]]]:
    """Data as JSON (key order kept); each error as raised and as the client gets it."""

    def error(e: GraphQLError) -> tuple[Any, ...]:
        original = e.original_error
        return (
            json.dumps(e.formatted),
            json.dumps(format_error(e)),
            type(original).__name__,
            str(original) if original is not None else None,
        )

    return json.dumps(result.data, default=str), [error(e) for e in result.errors or []]


async def run_both(
    schema: AppSchema,
    replay: Replay,
    services: Services,
    document: str,
    variables: dict[str, Any],
    token: str | None,
) -> tuple[Any, Any, Any]:
    found = []
    replay.recording, replay.results = True, {}
    for executor in (StockExecutionContext, FastExecutionContext):
        schema.execution_context_class = executor
        context = Context.create(services, token, "127.0.0.1")
        result = await schema.execute(document, variable_values=variables, context_value=context)
        found.append((outcome(result), result))
        replay.recording = False
    return found[0][0], found[1][0], found[1][1]


async def test_every_document_gets_the_same_answer_from_both_executors(
    services: Services, schema_and_replay: tuple[AppSchema, Replay]
) -> None:
    schema, replay = schema_and_replay
    # given every operation of the clients and the suite, and seeded data
    documents, parsed = collect(schema)
    seeded = await seed(services)
    mismatches: list[str] = []
    codes: set[str] = set()
    answered = nulled = runs = 0
    for document in documents:
        mutation = any(
            isinstance(d, OperationDefinitionNode) and d.operation is OperationType.MUTATION
            for d in parse(document).definitions
        )
        if mutation:
            # Writes change the data: each mutation document starts from the seed again.
            seeded = await seed(services)
        for variables in variable_sets(schema, document, seeded):
            for caller, token in seeded.tokens.items():
                # when both executors run it
                stock, fast, result = await run_both(
                    schema, replay, services, document, variables, token
                )
                runs += 1
                # then both answer the same
                if fast != stock:
                    mismatches.append(f"{document}\n{variables} {caller}\n{stock}\n{fast}")
                codes |= {code_of(e).value for e in result.errors or []}
                answered += result.data is not None and not result.errors
                nulled += result.data is None and bool(result.errors)
    assert not mismatches, f"{len(mismatches)} of {runs} differ:\n" + "\n\n".join(mismatches[:5])
    # and the corpus met what it is for: many documents, answers, refusals, nulls bubbling up
    assert len(documents) >= 60 and parsed >= 50, (len(documents), parsed)
    assert answered > 100 and nulled > 20, (answered, nulled)
    expected = {ErrorCode.UNAUTHENTICATED, ErrorCode.FORBIDDEN, ErrorCode.NOT_FOUND}
    assert {c.value for c in expected | {ErrorCode.BAD_USER_INPUT}} <= codes, codes
