"""An unreachable database: SERVICE_UNAVAILABLE on SQLite as on MySQL, and a /readyz that names
the dependency without the driver's text (which can name hosts, users and paths)."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from settings import Settings
from tests.documents import SIGN_UP
from tests.hardening import app_with, leaks_internals
from tests.utils import assert_error_code

PUBLIC = "query Public { publicScripts(first: 1) { totalCount } }"
# Nothing listens on port 1; the user name and address must not reach the client.
DEAD_MYSQL = "mysql+aiomysql://readyz_secret_user@127.0.0.1:1/readyz_secret_db"


def gone_sqlite(tmp_path: Path) -> str:
    return f"sqlite+aiosqlite:///{tmp_path / 'removed-directory' / 'app.db'}"


async def test_sqlite_in_a_directory_that_is_gone_is_service_unavailable(
    settings: Settings, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    # given an SQLite database whose directory does not exist
    async with app_with(settings, database_url=gone_sqlite(tmp_path)) as app:
        with caplog.at_level(logging.WARNING):
            # when a read and a write come
            read = await app.gql(PUBLIC)
            account = {"username": "nodb", "email": "nodb@example.com", "password": "pw-123456x"}
            write = await app.gql(SIGN_UP, {"input": account})
    # then both are "retry later", as on MySQL, with nothing of the driver in them
    for body in (read, write):
        error = assert_error_code(body, "SERVICE_UNAVAILABLE")
        assert not leaks_internals(str(body)), body
        assert "unable to open" not in error["message"]
    # and the cause is in the log, as a warning rather than an unexpected error
    assert any("unable to open database file" in r.getMessage() for r in caplog.records)
    assert not [r for r in caplog.records if r.name == "gpt_supporter.errors" and r.levelno >= 40]


@pytest.mark.parametrize("kind", ["sqlite", "mysql"])
async def test_readyz_names_the_dependency_but_not_the_driver_error(
    settings: Settings, tmp_path: Path, kind: str, caplog: pytest.LogCaptureFixture
) -> None:
    # given a database that cannot be reached (a gone SQLite directory, a closed MySQL port)
    url = gone_sqlite(tmp_path) if kind == "sqlite" else DEAD_MYSQL
    async with app_with(settings, database_url=url, db_connect_timeout_seconds=1) as app:
        with caplog.at_level(logging.WARNING):
            # when readiness is asked
            response = await app.http.get("/readyz")
    # then it says which dependency is down, and only that
    assert response.status_code == 503
    assert response.json() == {"status": "unavailable", "database": "unavailable"}
    for secret in ("readyz_secret", "127.0.0.1", "removed-directory", "Error", "2003"):
        assert secret not in response.text
    # while the log has the detail for the operator
    logged = " ".join(r.getMessage() for r in caplog.records if r.name == "gpt_supporter.health")
    assert "database" in logged
    assert ("unable to open" in logged) if kind == "sqlite" else ("2003" in logged)
