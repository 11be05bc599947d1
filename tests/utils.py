"""Helpers shared by the tests: run a GraphQL document, assert success or a given error code."""

from __future__ import annotations

import importlib
import itertools
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import httpx
from graphql import ValidationContext
from graphql.language.parser import Parser
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine

from db.engine import engines_of
from tests.documents import SIGN_IN, SIGN_UP

_names = itertools.count(1)


class GraphQLClient:
    def __init__(self, http: httpx.AsyncClient) -> None:
        self.http = http

    async def __call__(
        self,
        query: str,
        variables: dict[str, Any] | None = None,
        token: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> dict[str, Any]:
        all_headers = dict(headers or {})
        if token:
            all_headers["authorization"] = f"Bearer {token}"
        response = await self.http.post(
            "/graphql", json={"query": query, "variables": variables or {}}, headers=all_headers
        )
        assert response.status_code == 200, (response.status_code, response.text)
        body = response.json()
        assert isinstance(body, dict)
        return body


def assert_no_errors(body: dict[str, Any]) -> dict[str, Any]:
    assert "errors" not in body, body.get("errors")
    assert body["data"] is not None
    return body["data"]


def assert_error_code(body: dict[str, Any], code: str, field: str | None = None) -> dict[str, Any]:
    """The first error carries `code` (and names `field` in extensions.fields); returns it."""
    errors = body.get("errors")
    assert errors, f"expected {code}, got data {body.get('data')}"
    error = errors[0]
    assert error["extensions"]["code"] == code, errors
    if field is not None:
        assert field in error["extensions"].get("fields", {}), error
    return error


@dataclass
class Account:
    id: str
    username: str
    email: str
    password: str
    token: str
    refresh_token: str


def unique_name(prefix: str = "user") -> str:
    return f"{prefix}{next(_names)}"


async def sign_up_and_in(
    gql: GraphQLClient, username: str | None = None, password: str = "correct-horse-1"
) -> Account:
    username = username or unique_name()
    email = f"{username}@example.com"
    assert_no_errors(
        await gql(SIGN_UP, {"input": {"username": username, "email": email, "password": password}})
    )
    data = assert_no_errors(
        await gql(SIGN_IN, {"input": {"username": username, "password": password}})
    )["signIn"]
    return Account(
        id=data["user"]["id"],
        username=username,
        email=email,
        password=password,
        token=data["accessToken"],
        refresh_token=data["refreshToken"],
    )


# Transaction control: SQLite's BEGIN goes through the cursor (db/engine.py), MySQL's does
# not, and neither does any COMMIT or ROLLBACK; only queries count.
_TRANSACTION_CONTROL = frozenset({"BEGIN", "BEGIN IMMEDIATE"})


class StatementCounter:
    """Counts SQL statements sent through an engine while active (not BEGIN)."""

    def __init__(self) -> None:
        self.statements: list[str] = []

    @property
    def count(self) -> int:
        return len(self.statements)

    def _record(self, _conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if statement not in _TRANSACTION_CONTROL:
            self.statements.append(statement)


@contextmanager
def count_statements(engine: AsyncEngine) -> Any:
    """Statements sent through `engine` and the read engine made for it (db/engine.py)."""
    counter = StatementCounter()
    engines = engines_of(engine)
    for each in engines:
        event.listen(each.sync_engine, "before_cursor_execute", counter._record)
    try:
        yield counter
    finally:
        for each in engines:
            event.remove(each.sync_engine, "before_cursor_execute", counter._record)


@dataclass
class DocumentWork:
    parses: int = 0
    validations: int = 0


@contextmanager
def count_document_work() -> Iterator[DocumentWork]:
    """Counts graphql-core's document parses and validations while active.

    Below strawberry's caches: a cache hit is no parse. Tests send texts no cache has seen.
    """
    work = DocumentWork()
    parse_document = Parser.parse_document
    # The module, not the function the package exports under the same name.
    validation = importlib.import_module("graphql.validation.validate")

    def counting_parse(self: Parser) -> Any:
        work.parses += 1
        return parse_document(self)

    class CountingContext(ValidationContext):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            work.validations += 1
            super().__init__(*args, **kwargs)

    setattr(Parser, "parse_document", counting_parse)  # noqa: B010
    setattr(validation, "ValidationContext", CountingContext)  # noqa: B010
    try:
        yield work
    finally:
        setattr(Parser, "parse_document", parse_document)  # noqa: B010
        setattr(validation, "ValidationContext", ValidationContext)  # noqa: B010


class PasswordChecks:
    """Stands in for auth.passwords' hasher, counting verifications; the real ones still run."""

    def __init__(self, hasher: Any) -> None:
        self._hasher = hasher
        self._lock = threading.Lock()
        self.count = 0

    def verify(self, *args: Any, **kwargs: Any) -> bool:
        # verify runs in worker threads (asyncio.to_thread): count under a lock.
        with self._lock:
            self.count += 1
        return bool(self._hasher.verify(*args, **kwargs))

    def __getattr__(self, name: str) -> Any:
        return getattr(self._hasher, name)


@contextmanager
def count_password_checks() -> Iterator[PasswordChecks]:
    """Every password verification, of a known user or the unknown-user dummy hash alike."""
    from auth import passwords

    hasher = passwords._hasher
    checks = PasswordChecks(hasher)
    passwords._hasher = checks  # type: ignore[assignment]
    try:
        yield checks
    finally:
        passwords._hasher = hasher
