"""Fixtures: a migrated database of the selected backend, the app on it, and clients.

The backend comes from TEST_DATABASE (sqlite or mysql); `make test` runs the suite on both.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import delete
from sqlmodel import SQLModel
from starlette.applications import Starlette

import models  # noqa: F401  (tables on the metadata)
from auth.throttle import MemoryStore, Throttle
from db.migrate import upgrade
from main import create_app
from resolvers.admin import make_admin
from services import Services
from settings import Settings
from tests.data_api import quick_account
from tests.databases import BACKEND, drop_database, fresh_database_url
from tests.documents import SIGN_IN
from tests.utils import Account, GraphQLClient, assert_no_errors, sign_up_and_in

TEST_SECRET = "test-secret-key-that-is-long-enough-0123456789"


def pytest_report_header() -> str:
    return f"database backend: {BACKEND}"


@pytest.fixture(scope="session")
def tmp_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("db")


@pytest.fixture(scope="session")
def database_url(tmp_dir: Path) -> Iterator[str]:
    url = fresh_database_url(tmp_dir, "app")
    yield url
    drop_database(url)


@pytest.fixture(scope="session")
async def migrated_url(database_url: str) -> str:
    await upgrade(database_url)
    return database_url


@pytest.fixture(scope="session")
def settings(migrated_url: str, tmp_dir: Path) -> Settings:
    return Settings(
        database_url=migrated_url,
        secret_key=TEST_SECRET,
        secret_key_file=tmp_dir / "unused-key",
        app_env="development",
        redis_url=None,
    )


@pytest.fixture(scope="session")
async def app(settings: Settings) -> AsyncIterator[Starlette]:
    application = create_app(lambda: settings)
    async with application.router.lifespan_context(application):
        yield application


@pytest.fixture(scope="session")
def services(app: Starlette) -> Services:
    return app.state.services


@pytest.fixture(autouse=True)
async def _clean_state(request: pytest.FixtureRequest) -> AsyncIterator[None]:
    """Every test starts from empty tables and fresh throttle counters."""
    yield
    if "services" not in request.fixturenames:
        return
    services: Services = request.getfixturevalue("services")
    services.throttle = Throttle(MemoryStore())
    async with services.sessions.begin() as session:
        for table in reversed(SQLModel.metadata.sorted_tables):
            await session.execute(delete(table))


@pytest.fixture(scope="session")
async def http(app: Starlette) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app, client=("127.0.0.1", 50000))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        yield client


@pytest.fixture(scope="session")
def gql(http: httpx.AsyncClient, services: Services) -> GraphQLClient:
    return GraphQLClient(http)


@pytest.fixture
async def alice(gql: GraphQLClient) -> Account:
    return await sign_up_and_in(gql, "alice")


@pytest.fixture
async def bob(gql: GraphQLClient) -> Account:
    return await sign_up_and_in(gql, "bob")


@pytest.fixture
async def admin(gql: GraphQLClient, services: Services) -> Account:
    password = "admin-password-1"
    problem = await make_admin(services, "root", "root@example.com", password)
    assert problem is None
    data = assert_no_errors(
        await gql(SIGN_IN, {"input": {"username": "root", "password": password}})
    )["signIn"]
    return Account(
        id=data["user"]["id"],
        username="root",
        email="root@example.com",
        password=password,
        token=data["accessToken"],
        refresh_token=data["refreshToken"],
    )


@pytest.fixture
async def owner(services: Services) -> Account:
    """A signed-in user made without argon2 work, for tests about data rather than accounts."""
    return await quick_account(services, "carol")


@pytest.fixture
async def quick_admin(services: Services) -> Account:
    """An admin made without argon2 work, for tests about what admins write."""
    return await quick_account(services, "dave", is_admin=True)


OPS_TESTS = Path(__file__).resolve().parent / "ops"


def pytest_collection_modifyitems(config: Any, items: list[pytest.Item]) -> None:
    for item in items:
        if OPS_TESTS in item.path.parents:
            item.add_marker(pytest.mark.slow)
    if BACKEND == "mysql":
        return
    skip = pytest.mark.skip(reason="needs MariaDB (runs in the TEST_DATABASE=mysql pass)")
    for item in items:
        if "mysql_only" in item.keywords:
            item.add_marker(skip)
