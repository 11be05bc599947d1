"""A pooled connection whose server died is logged as one warning line, not a traceback;
every other pool error keeps its traceback."""

from __future__ import annotations

import logging

import pymysql
import pytest

from db.engine import create_engine
from settings import Settings

RESET_FAILED = "Exception during reset or similar"


def _log_from_pool(error: Exception) -> None:
    engine = create_engine(
        Settings(database_url="mysql+aiomysql://root@127.0.0.1:1/none", secret_key="k" * 40)
    )
    try:
        raise error
    except Exception:
        # the call SQLAlchemy's pool makes when a returned connection cannot be reset
        engine.sync_engine.pool.logger.error(RESET_FAILED, exc_info=True)


@pytest.mark.parametrize(
    ("code", "message"),
    [
        (2013, "Lost connection to MySQL server"),
        # a Galera node that lost quorum refuses even the rollback
        (1047, "WSREP has not yet prepared node for application use"),
    ],
)
def test_a_lost_connection_on_return_is_one_warning_line(
    caplog: pytest.LogCaptureFixture, code: int, message: str
) -> None:
    # when the pool cannot roll back a connection the server dropped, or will not serve
    with caplog.at_level(logging.WARNING, logger="sqlalchemy.pool"):
        _log_from_pool(pymysql.err.OperationalError(code, message))
    # then one warning names the error, with no traceback
    [record] = [r for r in caplog.records if RESET_FAILED in r.getMessage()]
    assert record.levelno == logging.WARNING
    assert str(code) in record.getMessage()
    assert record.exc_info is None


def test_any_other_pool_error_keeps_its_traceback(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger="sqlalchemy.pool"):
        _log_from_pool(ValueError("a bug"))
    [record] = [r for r in caplog.records if RESET_FAILED in r.getMessage()]
    assert record.levelno == logging.ERROR
    assert record.exc_info is not None
