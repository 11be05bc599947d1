"""The service refuses to start on a trusted-documents manifest it cannot run, in one line.

Real processes (`uvicorn main:app`, `python main.py migrate`); the refusals come before any
database is reached, so they run in the SQLite pass only.
"""

from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path

import orjson
import pytest

from schema.manifests import sha256_id
from tests.databases import BACKEND

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
SECRET = "trusted-startup-secret-that-is-long-enough-0123456789"
UNREACHED_MYSQL = "mysql+aiomysql://root@127.0.0.1:1/never_reached"

STILL_VALID = "query Books { refBooks(first: 2) { edges { node { title } } } }"
# A field a former schema had: the front end that shipped it is older than this service.
NO_LONGER_VALID = "query OldBooks { refBooks(first: 2) { edges { node { title isbn } } } }"

pytestmark = pytest.mark.skipif(
    BACKEND == "mysql", reason="no database involved: runs once, in the SQLite pass"
)


def production_env(**values: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SECRET_", "DATABASE_"))}
    env.update(
        PATH=f"{BIN}{os.pathsep}{env.get('PATH', '')}",
        APP_ENV="production",
        SECRET_KEY=SECRET,
        DATABASE_URL=UNREACHED_MYSQL,
        REDIS_URL="",
    )
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


async def test_a_manifest_document_that_no_longer_validates_stops_the_start(
    tmp_path: Path,
) -> None:
    # given production (trusted documents required by default once a manifest is set) and a
    # manifest from an older front end, one of whose documents the schema no longer accepts
    manifest = tmp_path / "persisted-documents.json"
    manifest.write_bytes(orjson.dumps({sha256_id(t): t for t in (STILL_VALID, NO_LONGER_VALID)}))
    env = production_env(TRUSTED_DOCUMENTS=str(manifest))
    uvicorn = [str(BIN / "uvicorn"), "main:app", "--loop", "asyncio", "--port", "0"]

    # when uvicorn starts the service
    code, lines = await run(uvicorn, env)

    # then it exits non-zero, saying in one (production: JSON) line which manifest, which
    # operation and why
    assert code != 0
    reasons = [orjson.loads(line) for line in lines if "refusing to start" in line]
    assert len(reasons) == 1, lines
    assert reasons[0]["level"] == "ERROR"
    assert reasons[0]["message"] == (
        f"refusing to start: TRUSTED_DOCUMENTS: {manifest}: document "
        f"{sha256_id(NO_LONGER_VALID)[:19]} (query OldBooks) no longer validates against the "
        "schema: GRAPHQL_VALIDATION_FAILED: Cannot query field 'isbn' on type 'RefBook'."
    )
    assert not any("Traceback" in line for line in lines), lines


async def test_a_required_mode_without_a_manifest_stops_the_start() -> None:
    # given trusted documents required, and no manifest named
    env = production_env(TRUSTED_DOCUMENTS_MODE="require")
    # when the service's command starts
    code, lines = await run([sys.executable, "main.py", "migrate"], env)
    # then it says so in one line
    assert (code, lines) == (
        2,
        [
            "refusing to start: TRUSTED_DOCUMENTS_MODE=require needs TRUSTED_DOCUMENTS "
            "(one or more manifest paths, comma-separated)"
        ],
    )
