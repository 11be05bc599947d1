"""What a database error means, on MySQL/MariaDB and on SQLite: the one place that reads drivers.

Three questions are asked of a failed statement: did the connection die (the pool drops it
quietly), may the transaction simply be run again (deadlock, lock wait), and is the database
out of reach for now (the client is told SERVICE_UNAVAILABLE, "retry later", instead of an
internal error). A fourth names the constraint an IntegrityError broke, where the driver says.

MySQL errors carry a numeric code as their first argument; SQLite errors (Python 3.11+) carry
`sqlite_errorcode`, whose low byte is the primary result code. Only the constraint names are
read from message text: no driver has them anywhere else.
"""

from __future__ import annotations

import asyncio
import re
from dataclasses import dataclass
from typing import Any, Literal

from sqlalchemy.exc import DBAPIError, IntegrityError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout


class TransactionRetriesExhausted(Exception):
    """The transaction kept losing to concurrent ones; the caller should answer 'retry later'."""


# MySQL client-side codes of a connection the server dropped: can't connect, gone away, lost,
# and 2055 (lost, with the system error). What the pool logs quietly when a node goes away.
MYSQL_DISCONNECT = frozenset({2003, 2006, 2013, 2055})
# InnoDB deadlock, lock wait timeout; Galera reports a failed certification as a deadlock.
MYSQL_RETRYABLE = frozenset({1213, 1205})
# The server cannot serve now: 2002/2003 can't connect (socket, TCP), 2006 gone away,
# 2013 lost connection, 1927 connection killed, 1040 too many connections, 1047 a Galera node
# without quorum (non-Primary) or still joining, and the retryable lock errors above.
MYSQL_UNREACHABLE = frozenset({2002, 2003, 2006, 2013, 1927, 1040, 1047}) | MYSQL_RETRYABLE

# SQLite primary result codes (https://sqlite.org/rescode.html).
SQLITE_BUSY = 5  # another connection holds the lock past busy_timeout ("database is locked")
SQLITE_LOCKED = 6  # a table lock within one shared cache
SQLITE_READONLY = 8  # the file or its directory cannot be written
SQLITE_IOERR = 10  # the operating system failed a read or write
SQLITE_FULL = 13  # the disk is full
SQLITE_CANTOPEN = 14  # the file (or its directory) is gone or unreadable
SQLITE_PROTOCOL = 15  # the WAL locking protocol failed (another process kept meddling)
SQLITE_RETRYABLE = frozenset({SQLITE_BUSY})
SQLITE_UNREACHABLE = frozenset(
    {
        SQLITE_BUSY,
        SQLITE_LOCKED,
        SQLITE_READONLY,
        SQLITE_IOERR,
        SQLITE_FULL,
        SQLITE_CANTOPEN,
        SQLITE_PROTOCOL,
    }
)


def _driver_error(error: BaseException) -> BaseException:
    """The DB-API exception under SQLAlchemy's wrapper (or the error itself)."""
    return error.orig if isinstance(error, DBAPIError) and error.orig is not None else error


def mysql_code(error: BaseException) -> int | None:
    args: tuple[Any, ...] = tuple(getattr(_driver_error(error), "args", ()))
    return args[0] if args and isinstance(args[0], int) else None


def sqlite_code(error: BaseException) -> int | None:
    """SQLite's primary result code (extended codes carry it in their low byte)."""
    code = getattr(_driver_error(error), "sqlite_errorcode", None)
    return code & 0xFF if isinstance(code, int) else None


def is_disconnect(error: BaseException) -> bool:
    """The connection under a statement died: the pool discards it (no fault of the code)."""
    if isinstance(error, (ConnectionError, asyncio.IncompleteReadError)):
        return True
    return mysql_code(error) in MYSQL_DISCONNECT


# A Galera node without quorum (non-Primary) or still joining refuses every statement.
MYSQL_NOT_SERVING = frozenset({1047})


def is_not_serving(error: BaseException) -> bool:
    """The server is up but refuses statements for now (the pool drops the connection)."""
    return mysql_code(error) in MYSQL_NOT_SERVING


def is_retryable(error: BaseException) -> bool:
    """The transaction lost to another one and may run again from the start."""
    if not isinstance(error, DBAPIError):
        return False
    if mysql_code(error) in MYSQL_RETRYABLE:
        return True
    return isinstance(error, OperationalError) and sqlite_code(error) in SQLITE_RETRYABLE


def is_unreachable(error: BaseException) -> bool:
    """The database cannot serve this now; the client should retry later."""
    if isinstance(error, (PoolTimeout, TransactionRetriesExhausted, ConnectionError, TimeoutError)):
        return True
    if isinstance(error, DBAPIError) and error.connection_invalidated:
        return True
    if isinstance(error, (OperationalError, InterfaceError)):
        return mysql_code(error) in MYSQL_UNREACHABLE or sqlite_code(error) in SQLITE_UNREACHABLE
    return isinstance(error, OSError)


@dataclass(frozen=True, slots=True)
class ConstraintViolation:
    """What an IntegrityError says it broke. `name` is the constraint (or unique index) name
    where the driver gives one (MySQL/MariaDB); SQLite names the table and columns instead."""

    kind: Literal["unique", "foreign_key"]
    name: str | None = None
    table: str | None = None
    columns: tuple[str, ...] = ()


_MYSQL_DUPLICATE = 1062
_MYSQL_FOREIGN_KEY = frozenset({1216, 1217, 1451, 1452})
_SQLITE_CONSTRAINT_UNIQUE = frozenset({2067, 1555})  # UNIQUE, PRIMARYKEY
_SQLITE_CONSTRAINT_FOREIGNKEY = 787
# MariaDB: "... for key 'username_key'"; MySQL 8: "... for key 'user.username_key'".
_DUPLICATE_KEY = re.compile(r"for key '(?:(?P<table>[^'.]+)\.)?(?P<name>[^']+)'")
# "... (`db`.`table`, CONSTRAINT `name` FOREIGN KEY (`a`, `b`) REFERENCES ..."
_FOREIGN_KEY = re.compile(
    r"`(?P<table>[^`]+)`, CONSTRAINT `(?P<name>[^`]+)` FOREIGN KEY \((?P<columns>[^)]*)\)"
)
# "UNIQUE constraint failed: user.username_key, user.email_key"
_SQLITE_UNIQUE = re.compile(r"constraint failed: (?P<columns>.+)$")


def violated_constraint(error: IntegrityError) -> ConstraintViolation | None:
    """The unique or foreign-key constraint `error` reports, or None for any other kind."""
    orig = _driver_error(error)
    message = str(getattr(orig, "args", ("",))[-1])
    code = mysql_code(error)
    if code == _MYSQL_DUPLICATE:
        match = _DUPLICATE_KEY.search(message)
        if match is None:
            return ConstraintViolation("unique")
        return ConstraintViolation("unique", match["name"], match["table"])
    if code in _MYSQL_FOREIGN_KEY:
        match = _FOREIGN_KEY.search(message)
        if match is None:
            return ConstraintViolation("foreign_key")
        columns = tuple(part.strip(" `") for part in match["columns"].split(","))
        return ConstraintViolation("foreign_key", match["name"], match["table"], columns)
    extended = getattr(orig, "sqlite_errorcode", None)
    if extended in _SQLITE_CONSTRAINT_UNIQUE:
        match = _SQLITE_UNIQUE.search(message)
        if match is None:
            return ConstraintViolation("unique")
        qualified = [part.strip() for part in match["columns"].split(",")]
        tables = {part.rpartition(".")[0] for part in qualified}
        columns = tuple(part.rpartition(".")[2] for part in qualified)
        table = tables.pop() if len(tables) == 1 else None
        return ConstraintViolation("unique", None, table, columns)
    if extended == _SQLITE_CONSTRAINT_FOREIGNKEY:
        # SQLite says only "FOREIGN KEY constraint failed".
        return ConstraintViolation("foreign_key")
    return None
