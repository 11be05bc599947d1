"""Per-connection settings the engine applies on MariaDB/MySQL."""

from __future__ import annotations

import math

import pytest
from sqlalchemy import text

from services import Services

pytestmark = pytest.mark.mysql_only


async def test_row_lock_waits_end_with_the_operation_timeout(services: Services) -> None:
    # given the app's engine / when a pooled connection asks for its lock wait timeout
    async with services.engine.connect() as connection:
        seconds = await connection.scalar(text("SELECT @@SESSION.innodb_lock_wait_timeout"))
    # then it is the operation timeout, not InnoDB's default 50 s
    assert seconds == math.ceil(services.settings.operation_timeout_seconds)
    assert seconds != 50
