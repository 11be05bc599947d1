"""Helpers shared by the tests: run a GraphQL document, assert success or a given error code."""

from __future__ import annotations

import itertools
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import httpx
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine

from db.engine import engines_of

_names = itertools.count(1)

SIGN_UP = """
mutation SignUp($input: SignUpInput!) { signUp(input: $input) { id username email isAdmin } }
"""
SIGN_IN = """
mutation SignIn($input: SignInInput!) {
  signIn(input: $input) { accessToken refreshToken expiresIn user { id username isAdmin } }
}
"""


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


class StatementCounter:
    """Counts SQL statements sent through an engine while active."""

    def __init__(self) -> None:
        self.statements: list[str] = []

    @property
    def count(self) -> int:
        return len(self.statements)

    def _record(self, _conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
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
