"""schema.graphql at the root is the code's current SDL, and it keeps the shared contract.

Both run the real commands in subprocesses, as a developer or CI would.
"""

from __future__ import annotations

import subprocess
import sys

from tests.processes import ROOT

SCHEMA_FILE = ROOT / "schema.graphql"
# shared/ lies beside the repository, on a developer's machine and in CI alike.
SHARED = ROOT.parent / "shared"
CHECK_CONTRACT = SHARED / "tools" / "check_contract.py"


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, *args], cwd=ROOT, capture_output=True, text=True, timeout=120
    )


def test_schema_file_is_the_current_export() -> None:
    exported = run(str(ROOT / "main.py"), "export-schema")
    assert exported.returncode == 0, exported.stderr
    assert exported.stdout.strip(), "export-schema printed nothing"
    assert SCHEMA_FILE.read_text() == exported.stdout, (
        "schema.graphql is stale: run `.venv/bin/python main.py export-schema > schema.graphql`"
    )


def test_schema_file_keeps_the_contract() -> None:
    # A missing shared/ is a broken checkout, not a reason to skip.
    assert CHECK_CONTRACT.is_file(), f"{CHECK_CONTRACT} is missing"
    checked = run(str(CHECK_CONTRACT), str(SCHEMA_FILE))
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert "contract: 0 breaking change(s)" in checked.stdout, checked.stdout
