"""schema.graphql at the root is the code's current SDL, and it keeps the released contract.

Both run the real commands in subprocesses, as a developer or CI would.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from tests.processes import ROOT

SCHEMA_FILE = ROOT / "schema.graphql"
# The released contract and its check live in the repository: a clean clone tests alone.
CHECK_CONTRACT = ROOT / "contract" / "check.py"


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
    checked = run(str(CHECK_CONTRACT), str(SCHEMA_FILE))
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert "contract: 0 breaking change(s)" in checked.stdout, checked.stdout


def test_the_contract_check_finds_a_breaking_change(tmp_path: Path) -> None:
    # given the export with one contract field renamed
    broken = tmp_path / "broken.graphql"
    text = SCHEMA_FILE.read_text()
    assert "  descriptionSummary: String!\n" in text
    broken.write_text(text.replace("  descriptionSummary: String!", "  summary: String!", 1))
    # when the check runs on it
    checked = run(str(CHECK_CONTRACT), str(broken))
    # then it fails and names the field
    assert checked.returncode == 1, checked.stdout
    assert "descriptionSummary" in checked.stdout
