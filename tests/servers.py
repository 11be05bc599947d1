"""Real uvicorn processes for the tests that need a live server (workers, fuzzing, faults)."""

from __future__ import annotations

import signal
import socket
import subprocess
import sys
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import httpx

from tests.processes import ROOT, service_env


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Server:
    process: subprocess.Popen[bytes]
    port: int
    log: Path
    workers: int = 1

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def wait_ready(self, within: float = 60) -> None:
        """Until /healthz answers and every worker has reported its startup."""
        deadline = time.monotonic() + within
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(
                    f"uvicorn exited with {self.process.returncode}:\n{self.output()}"
                )
            try:
                if httpx.get(f"{self.url}/healthz", timeout=1).status_code == 200:
                    _await_workers(self, self.workers, deadline)
                    return
            except httpx.TransportError:
                pass
            time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"uvicorn did not answer within {within} s:\n{self.output()}")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def start_server(
    database_url: str,
    log_dir: Path,
    env: Mapping[str, str | int | float] | None = None,
    workers: int = 1,
    wait: bool = True,
    app: str = "main:app",
) -> Server:
    """`uvicorn main:app` (or another `app`) on a free loopback port; with `wait`, returns
    once it answers.

    Settings come from the environment given here, so a developer's `.env` cannot point
    the process elsewhere.
    """
    port = free_port()
    overrides = {key.upper(): str(value) for key, value in (env or {}).items()}
    environment = service_env(database_url, **{"LOG_LEVEL": "WARNING", **overrides})
    log = log_dir / f"uvicorn-{port}.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [
                *(sys.executable, "-m", "uvicorn", app),
                *("--host", "127.0.0.1", "--port", str(port)),
                *("--loop", "asyncio", "--workers", str(workers), "--no-access-log"),
            ],
            cwd=ROOT,
            env=environment,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    server = Server(process, port, log, workers)
    if wait:
        server.wait_ready()
    return server


def _await_workers(server: Server, workers: int, deadline: float) -> None:
    """/healthz answered by one worker; give the others until they report startup too."""
    while server.output().count("startup complete") < workers and time.monotonic() < deadline:
        time.sleep(0.1)
