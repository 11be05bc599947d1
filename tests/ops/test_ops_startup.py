"""Startup refuses production with bad settings in one line, for every way of starting.

These run real processes (`python main.py migrate`, `uvicorn main:app`, the container's
entry script with gunicorn) and touch no database, so they run in the SQLite pass only.
"""

from __future__ import annotations

import asyncio
import os
import socket
import sys
from pathlib import Path

import pytest

from tests.databases import BACKEND
from web.worker import set_nodelay

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
LONG_SECRET = "startup-test-secret-that-is-long-enough-0123456789"
MYSQL_URL = "mysql+aiomysql://root@127.0.0.1:1/never_reached"

pytestmark = pytest.mark.skipif(
    BACKEND == "mysql", reason="no database involved: runs once, in the SQLite pass"
)


def production_env(**values: str) -> dict[str, str]:
    """Production settings; every one a case relies on is set, so a `.env` cannot fill it in."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SECRET_", "DATABASE_"))}
    env.update(PATH=f"{BIN}{os.pathsep}{env.get('PATH', '')}", APP_ENV="production", REDIS_URL="")
    env.update(values)
    return env


async def run(args: list[str], env: dict[str, str]) -> tuple[int, list[str]]:
    process = await asyncio.create_subprocess_exec(
        *args,
        cwd=ROOT,
        env=env,
        stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    try:
        _out, err = await asyncio.wait_for(process.communicate(), 60)
    except TimeoutError:
        process.kill()
        await process.wait()
        raise
    assert process.returncode is not None
    return process.returncode, [line for line in err.decode().splitlines() if line.strip()]


async def test_every_way_of_starting_refuses_bad_production_settings() -> None:
    # given production settings with a short secret, a missing one, an SQLite database,
    # and a pool size that is not a number
    short_secret = production_env(SECRET_KEY="too-short", DATABASE_URL=MYSQL_URL)
    no_secret = production_env(SECRET_KEY="", DATABASE_URL=MYSQL_URL)
    sqlite = production_env(SECRET_KEY=LONG_SECRET, DATABASE_URL="sqlite+aiosqlite:///x.db")
    bad_pool = production_env(SECRET_KEY=LONG_SECRET, DATABASE_URL=MYSQL_URL, DB_POOL_SIZE="many")
    uvicorn = [str(BIN / "uvicorn"), "main:app", "--loop", "asyncio", "--port", "0"]
    migrate = [sys.executable, "main.py", "migrate"]
    # when the migration step, uvicorn and the container's command start with them
    short, served, container, pool = await asyncio.gather(
        run(migrate, short_secret),
        run(uvicorn, sqlite),
        run(["docker/entrypoint.sh"], no_secret),
        run(migrate, bad_pool),
    )
    # then each exits non-zero, saying why in one line and without a traceback
    secret_reason = "refusing to start: SECRET_KEY must be set to at least 32 bytes in production"
    assert short == (2, [secret_reason])
    assert container == (2, [secret_reason])
    code, lines = pool
    assert code == 2
    assert len(lines) == 1
    assert lines[0].startswith("refusing to start: DB_POOL_SIZE: Input should be a valid integer")
    # uvicorn adds its own startup lines around the one reason
    code, lines = served
    assert code != 0
    reasons = [line for line in lines if "refusing to start" in line]
    assert len(reasons) == 1, lines
    assert reasons[0].endswith(
        "refusing to start: DATABASE_URL must name a MySQL/MariaDB server in production"
    )
    assert not any("Traceback" in line for line in lines), lines


def test_accepted_sockets_get_tcp_nodelay() -> None:
    # given a listener as a worker gets it, with set_nodelay applied
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        assert listener.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY) == 0
        set_nodelay([listener])
        # when a client connects
        with socket.create_connection(listener.getsockname()) as _client:
            accepted, _ = listener.accept()
            with accepted:
                # then the accepted socket has Nagle off (asyncio would skip it: proto 0)
                assert accepted.proto == 0
                assert accepted.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY) != 0
