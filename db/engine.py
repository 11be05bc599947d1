"""The async engines and the session factory; made once per process, in the lifespan.

On MySQL, reads have a pool of their own (`create_read_engine`): autocommit connections, so a
read never opens a transaction and a connection goes back to the pool without a ROLLBACK
round trip. Writes keep transactions on the main engine. Neither pings every connection it
lends (db/liveness.py).
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable
from typing import Any
from weakref import WeakKeyDictionary

from sqlalchemy import event
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.log import InstanceLogger

from db.decoders import DECODERS
from db.errors import is_disconnect, is_not_serving
from db.functions import SQLITE_LOWER
from db.liveness import watch_liveness
from settings import Settings


class SessionFactory(async_sessionmaker[AsyncSession]):
    """Sessions for writes (and reads that must see the caller's own transaction);
    `read_engine` lends the connection that db/reads.py shares between a request's reads."""

    read_engine: AsyncEngine


def normalize_url(url: str) -> str:
    """MySQL URLs always speak utf8mb4: Korean and emoji must round-trip."""
    parsed = make_url(url)
    if parsed.get_backend_name() in ("mysql", "mariadb") and "charset" not in parsed.query:
        parsed = parsed.update_query_dict({"charset": "utf8mb4"})
    return parsed.render_as_string(hide_password=False)


def create_engine(settings: Settings, *, reads: bool = False) -> AsyncEngine:
    url = normalize_url(settings.database_url)
    kwargs: dict[str, Any] = {}
    if make_url(url).get_backend_name() == "sqlite":
        kwargs["connect_args"] = {"timeout": 30}
    else:
        kwargs.update(
            pool_size=settings.db_pool_size,
            max_overflow=settings.db_max_overflow,
            pool_recycle=settings.db_pool_recycle_seconds,
            pool_timeout=settings.db_connect_timeout_seconds * 2,
            connect_args={
                "connect_timeout": settings.db_connect_timeout_seconds,
                "conv": DECODERS,
            },
        )
        if reads:
            # Each statement its own transaction; SQLAlchemy then skips the DBAPI rollback
            # on close and on return to the pool, as the server reports autocommit on.
            kwargs.update(isolation_level="AUTOCOMMIT", skip_autocommit_rollback=True)
    engine = create_async_engine(url, **kwargs)
    if engine.dialect.name == "sqlite":
        event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
        event.listen(engine.sync_engine, "begin", _sqlite_begin)
    else:
        watch_liveness(engine, settings.db_ping_after_idle_seconds)
        _quiet_disconnects_on_return(engine.sync_engine.pool.logger)
        if settings.db_galera_sync_wait:
            listener = _galera_sync_wait(settings.db_galera_sync_wait)
            event.listen(engine.sync_engine, "connect", listener)
        wait = _lock_wait_timeout(math.ceil(settings.operation_timeout_seconds))
        event.listen(engine.sync_engine, "connect", wait)
    return engine


def _lock_wait_timeout(seconds: int) -> Callable[[Any, Any], None]:
    """InnoDB waits 50 s for a row lock by default; a request gives up after the operation
    timeout, so its statement should not keep waiting on the server long after that."""

    def on_connect(dbapi_connection: Any, _record: Any) -> None:
        cursor = dbapi_connection.cursor()
        try:
            cursor.execute(f"SET SESSION innodb_lock_wait_timeout = {max(1, int(seconds))}")
        finally:
            cursor.close()

    return on_connect


# The connection execution option that makes a SQLite transaction take the write lock at
# BEGIN (db/transaction.py sets it on every write).
SQLITE_IMMEDIATE = "sqlite_begin_immediate"


def _sqlite_begin(connection: Any) -> None:
    """SQLite transactions start here (the driver's own implicit BEGIN is off, see below).

    A write begins IMMEDIATE: it holds the database's write lock from its first statement,
    so what it reads before it writes (the row it locks, the count a quota checks) cannot
    change under it, and a time it takes comes after every earlier writer committed. SQLite
    ignores SELECT ... FOR UPDATE; this is what stands in for it. Reads begin DEFERRED and
    see one snapshot.
    """
    immediate = connection.get_execution_options().get(SQLITE_IMMEDIATE, False)
    connection.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


def _unicode_lower(text: str | None) -> str | None:
    return None if text is None else text.lower()


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # The driver would BEGIN on its own before the first write only; _sqlite_begin does it.
    dbapi_connection.isolation_level = None
    # Searches fold case beyond ASCII (db/functions.py).
    dbapi_connection.create_function(SQLITE_LOWER, 1, _unicode_lower, deterministic=True)
    # Cascades need foreign keys on; WAL lets readers run beside a writer.
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


def _galera_sync_wait(level: int) -> Callable[[Any, Any], None]:
    """Causal reads on a Galera node: without them a read on one node right after a commit
    on another missed the row about one time in eight (measured on a 3-node cluster).
    A plain MariaDB or MySQL server has wsrep off (or no such variable): nothing is set."""

    def on_connect(dbapi_connection: Any, _record: Any) -> None:
        cursor = dbapi_connection.cursor()
        try:
            cursor.execute("SHOW VARIABLES LIKE 'wsrep_on'")
            row = cursor.fetchone()
            if row is not None and str(row[1]).upper() == "ON":
                cursor.execute(f"SET SESSION wsrep_sync_wait = {int(level)}")
        finally:
            cursor.close()

    return on_connect


class _DisconnectOnReturn(logging.Filter):
    """A pooled connection whose server died, or stopped serving (a Galera node that lost
    quorum refuses even the rollback, 1047), fails its rollback when it goes back to the pool,
    and the pool logs that at ERROR with a traceback. When a cluster node goes away that is
    expected (the pool drops the connection; the request already answered
    SERVICE_UNAVAILABLE): keep it to one WARNING line so tracebacks in the log mean bugs."""

    def filter(self, record: logging.LogRecord) -> bool:
        error = record.exc_info[1] if record.exc_info else None
        if error is not None and (is_disconnect(error) or is_not_serving(error)):
            record.levelno, record.levelname = logging.WARNING, "WARNING"
            record.msg = f"{record.getMessage()}: {error!r}"
            record.args = None
            record.exc_info, record.exc_text = None, None
        return True


def _quiet_disconnects_on_return(pool_logger: logging.Logger | InstanceLogger) -> None:
    logger = pool_logger.logger if isinstance(pool_logger, InstanceLogger) else pool_logger
    if not any(isinstance(f, _DisconnectOnReturn) for f in logger.filters):
        logger.addFilter(_DisconnectOnReturn())


def create_read_engine(settings: Settings, engine: AsyncEngine) -> AsyncEngine:
    """The engine of a request's reads: on MySQL a pool of autocommit connections, disposed
    with `engine`; on SQLite `engine` itself (no round trips to save, one writer at a time)."""
    if engine.dialect.name == "sqlite":
        return engine
    reads = create_engine(settings, reads=True)

    def dispose_reads(_engine: Any) -> None:
        # Runs inside AsyncEngine.dispose()'s greenlet: the pool's closes can await there.
        reads.sync_engine.dispose()

    event.listen(engine.sync_engine, "engine_disposed", dispose_reads)
    _READS_OF[engine.sync_engine] = reads
    return reads


_READS_OF: WeakKeyDictionary[Engine, AsyncEngine] = WeakKeyDictionary()


def engines_of(engine: AsyncEngine) -> tuple[AsyncEngine, ...]:
    """`engine` and the read engine made for it, if any: all that its app sends SQL through
    (for counting statements)."""
    reads = _READS_OF.get(engine.sync_engine)
    return (engine,) if reads is None else (engine, reads)


def create_session_factory(
    engine: AsyncEngine, read_engine: AsyncEngine | None = None
) -> SessionFactory:
    factory = SessionFactory(engine, expire_on_commit=False, autoflush=False)
    factory.read_engine = read_engine or engine
    return factory
