"""The service as real processes: `python main.py ...` and its environment."""

from __future__ import annotations

import asyncio
import os
import sys
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PROCESS_SECRET = "process-secret-key-that-is-long-enough-0123456789"


def service_env(database_url: str, **extra: str) -> dict[str, str]:
    """The environment of a service process on `database_url`.

    Set explicitly, so a developer's `.env` (read by the settings) cannot point the
    process at another database or a shared Redis.
    """
    env = dict(os.environ)
    env.update(
        DATABASE_URL=database_url,
        SECRET_KEY=PROCESS_SECRET,
        APP_ENV="development",
        REDIS_URL="",
        PYTHONUNBUFFERED="1",
    )
    env.update(extra)
    return env


@dataclass(frozen=True)
class Finished:
    returncode: int
    stdout: str
    stderr: str


async def run_main(
    args: list[str],
    database_url: str,
    stdin: str = "",
    limit_seconds: float = 60,
    env: dict[str, str] | None = None,
) -> Finished:
    """Run `python main.py <args>` with the venv's interpreter (the one running the tests);
    `env` adds to the service environment."""
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        str(ROOT / "main.py"),
        *args,
        cwd=ROOT,
        env=service_env(database_url, **(env or {})),
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    try:
        async with asyncio.timeout(limit_seconds):
            out, err = await process.communicate(stdin.encode())
    except TimeoutError:
        process.kill()
        await process.wait()
        raise
    assert process.returncode is not None
    return Finished(process.returncode, out.decode(), err.decode())


async def create_admin(database_url: str, username: str, email: str, password: str) -> Finished:
    return await run_main(
        ["create-admin", "--username", username, "--email", email, "--password-stdin"],
        database_url,
        stdin=password + "\n",
    )
