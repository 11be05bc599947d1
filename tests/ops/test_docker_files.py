"""What can be proved about the container here, without a Docker engine.

hadolint passes on docker/Dockerfile; docker/compose.yaml validates against the compose
specification (check-jsonschema's vendored compose-spec schema) and wires what the issue
asks for. The image's command, docker/entrypoint.sh, runs outside any container in
tests/ops/test_ops_gunicorn.py (serve, migrate) and tests/ops/test_ops_startup.py (refusal).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest
import yaml  # pyyaml, in the dev extra

from tests.databases import BACKEND

ROOT = Path(__file__).resolve().parents[2]
DOCKER = ROOT / "docker"
BIN = Path(sys.executable).parent

pytestmark = pytest.mark.skipif(
    BACKEND == "mysql", reason="no database involved: runs once, in the SQLite pass"
)


def run(*args: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(arg) for arg in args], capture_output=True, text=True, timeout=60, check=False
    )


def validate_compose(path: Path) -> subprocess.CompletedProcess[str]:
    return run(BIN / "check-jsonschema", "--builtin-schema", "vendor.compose-spec", path)


def stages(dockerfile: str) -> list[list[str]]:
    """The Dockerfile's instructions (continuation lines joined), split by FROM."""
    joined = re.sub(r"\\\n\s*", " ", dockerfile)
    lines = [line.strip() for line in joined.splitlines()]
    instructions = [line for line in lines if line and not line.startswith("#")]
    result: list[list[str]] = []
    for instruction in instructions:
        if instruction.upper().startswith("FROM "):
            result.append([])
        result[-1].append(instruction)
    return result


def test_hadolint_passes_on_the_dockerfile() -> None:
    # when hadolint lints the Dockerfile (any finding, info included, fails it)
    result = run(BIN / "hadolint", "--failure-threshold", "info", DOCKER / "Dockerfile")
    # then it finds nothing
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.strip() == ""


def test_dockerfile_builds_a_small_non_root_image_that_runs_the_entry_script() -> None:
    build, runtime = stages((DOCKER / "Dockerfile").read_text())
    # multi-stage, both on a slim Python base
    for stage in (build, runtime):
        assert re.fullmatch(r"FROM python:3\.\d+-slim\S* AS \w+", stage[0]), stage[0]
    # the final stage copies the built virtualenv and installs nothing with a compiler
    runtime_text = "\n".join(runtime)
    assert "COPY --from=build /opt/venv /opt/venv" in runtime
    assert not re.search(r"apt-get|apk |gcc|build-essential|pip install", runtime_text)
    # it runs as a numeric, non-root user
    [user] = [line for line in runtime if line.startswith("USER ")]
    uid = user.split()[1].split(":")[0]
    assert uid.isdigit() and int(uid) != 0
    # it checks /healthz and runs the production command through the entry script
    [healthcheck] = [line for line in runtime if line.startswith("HEALTHCHECK ")]
    assert "/healthz" in healthcheck
    assert 'ENTRYPOINT ["/app/docker/entrypoint.sh"]' in runtime
    assert 'CMD ["serve"]' in runtime
    script = DOCKER / "entrypoint.sh"
    assert os.access(script, os.X_OK)
    assert "exec gunicorn --config docker/gunicorn.conf.py" in script.read_text()


def test_compose_file_is_valid_compose_spec() -> None:
    # when the compose file is checked against the compose specification's schema
    result = validate_compose(DOCKER / "compose.yaml")
    # then it is valid
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_compose_validator_rejects_a_broken_file(tmp_path: Path) -> None:
    # given the compose file with a dependency condition the specification does not know
    broken = (DOCKER / "compose.yaml").read_text()
    broken = broken.replace("service_completed_successfully", "service_done", 1)
    path = tmp_path / "compose.yaml"
    path.write_text(broken)
    # when validated / then it is refused: the check above can fail
    result = validate_compose(path)
    assert result.returncode != 0
    assert "service_done" in result.stdout + result.stderr


def test_compose_wires_database_migration_replicas_and_proxy() -> None:
    compose = yaml.safe_load((DOCKER / "compose.yaml").read_text())
    services = compose["services"]
    mysql, migrate, app, nginx = (services[n] for n in ("mysql", "migrate", "app", "nginx"))
    # MySQL 8 with its data on a volume, and a health check the others wait for
    assert mysql["image"].startswith("mysql:8")
    assert any(v.endswith(":/var/lib/mysql") for v in mysql["volumes"])
    assert "mysql-data" in compose["volumes"]
    assert "mysqladmin ping" in " ".join(mysql["healthcheck"]["test"])
    # migrations are a one-shot service; the app starts after it succeeded
    assert migrate["command"] == ["migrate"]
    assert migrate["depends_on"]["mysql"]["condition"] == "service_healthy"
    assert app["depends_on"]["migrate"]["condition"] == "service_completed_successfully"
    assert migrate["image"] == app["image"]
    # two replicas of the app behind nginx, which alone publishes a port
    assert app["deploy"]["replicas"] == 2
    assert "ports" not in app
    assert nginx["ports"]
    assert "./nginx.conf:/etc/nginx/conf.d/default.conf:ro" in nginx["volumes"]
    assert "server app:8000" in (DOCKER / "nginx.conf").read_text()
    # secrets come from the environment, with no default to fall back on
    environment = app["environment"]
    assert environment["APP_ENV"] == "production"
    assert environment["SECRET_KEY"].startswith("${SECRET_KEY:?")
    assert "${MYSQL_PASSWORD:?" in environment["DATABASE_URL"]
    assert mysql["environment"]["MYSQL_ROOT_PASSWORD"].startswith("${MYSQL_ROOT_PASSWORD:?")


def runtime_sources() -> list[str]:
    """What the image's last stage copies from the build context (not from another stage)."""
    lines = (DOCKER / "Dockerfile").read_text().splitlines()
    last_stage = max(i for i, line in enumerate(lines) if line.startswith("FROM "))
    sources: list[str] = []
    for line in lines[last_stage:]:
        if line.startswith("COPY ") and "--from=" not in line:
            *copied, _destination = line.split()[1:]
            sources.extend(copied)
    return sources


def test_the_image_holds_every_module_the_service_imports(tmp_path: Path) -> None:
    # given only what the runtime stage copies, laid out as in /app
    for source in runtime_sources():
        path = ROOT / source
        target = tmp_path / source
        target.parent.mkdir(parents=True, exist_ok=True)
        if path.is_dir():
            shutil.copytree(path, target, dirs_exist_ok=True)
        else:
            shutil.copy2(path, target)
    # when the app, the migrations and the admin command are imported from there alone (no
    # site processing, so the editable install of this checkout cannot fill a gap)
    site = sysconfig.get_paths()["purelib"]
    code = (
        f"import sys; sys.path[:] = [{str(tmp_path)!r}, *sys.path[1:], {site!r}]; "
        "import main, db.migrate, resolvers.admin; main.create_app(); print('ok')"
    )
    done = subprocess.run(
        [sys.executable, "-S", "-c", code],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
        env={"PATH": os.environ["PATH"], "APP_ENV": "development"},
    )
    # then nothing is missing
    assert done.returncode == 0 and done.stdout.strip() == "ok", done.stderr[-2000:]
