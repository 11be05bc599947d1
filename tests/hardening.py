"""Helpers for the hardening tests: an app on changed settings, and raw HTTP bodies."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import httpx
from starlette.applications import Starlette

from main import create_app
from services import Services
from settings import Settings
from tests.utils import GraphQLClient


@dataclass
class App:
    app: Starlette
    http: httpx.AsyncClient
    gql: GraphQLClient

    @property
    def services(self) -> Services:
        return self.app.state.services


@contextlib.asynccontextmanager
async def app_with(settings: Settings, **changes: Any) -> AsyncIterator[App]:
    """An app on `settings` with `changes`, for the lifetime of the block.

    model_copy does not re-run the validators, so a production app can be built on the
    SQLite pass too (production refuses SQLite only at startup from the environment).
    """
    changed = settings.model_copy(update=changes)
    application = create_app(lambda: changed)
    async with application.router.lifespan_context(application):
        transport = httpx.ASGITransport(app=application, client=("127.0.0.1", 50001))
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
            yield App(application, http, GraphQLClient(http))


def graphql_error(response: httpx.Response) -> dict[str, Any]:
    """The single error of a GraphQL-shaped JSON error body (asserting its shape)."""
    assert response.headers["content-type"].startswith("application/json"), response.headers
    body = response.json()
    assert set(body) <= {"errors", "data"}, body
    assert body.get("data") is None
    [error] = body["errors"]
    assert isinstance(error["message"], str) and error["message"]
    assert isinstance(error["extensions"]["code"], str)
    return error


def leaks_internals(text: str, sent: str = "") -> bool:
    """True when a response body shows a traceback, a Python exception or SQL.

    A marker the request itself carried does not count: a validation message may quote the
    client's own value (an email of "SELECT 1")."""
    markers = (
        "Traceback",
        'File "',
        "sqlalchemy",
        "pymysql",
        "aiomysql",
        "sqlite3",
        "SELECT ",
        "INSERT INTO",
        "UPDATE ",
        "DELETE FROM",
        "[SQL:",
    )
    return any(marker in text and marker not in sent for marker in markers)
