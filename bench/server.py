"""Serving the app the production way for the benchmark, and watching its workers.

gunicorn with uvicorn workers, with the deployment's own config (docker/gunicorn.conf.py)
when it exists; only the address and the worker count are set here.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
GUNICORN_CONF = ROOT / "docker" / "gunicorn.conf.py"
PAGE_KIB = os.sysconf("SC_PAGE_SIZE") // 1024
TICKS = os.sysconf("SC_CLK_TCK")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def server_command(app: str, port: int, workers: int) -> list[str]:
    gunicorn = str(Path(sys.executable).with_name("gunicorn"))
    command = [gunicorn, app, "--bind", f"127.0.0.1:{port}", "--workers", str(workers)]
    if GUNICORN_CONF.exists():
        return [*command, "--config", str(GUNICORN_CONF)]
    return [*command, "--worker-class", "uvicorn.workers.UvicornWorker"]


@dataclass
class Server:
    """A gunicorn master running `app`; stopped with SIGTERM on exit."""

    app: str
    env: dict[str, str]
    workers: int = 2
    port: int = field(default_factory=free_port)
    process: subprocess.Popen[bytes] | None = None
    log_path: Path | None = None

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, log_path: Path, ready_path: str, timeout: float = 60.0) -> None:
        self.log_path = log_path
        log = log_path.open("wb")
        self.process = subprocess.Popen(
            server_command(self.app, self.port, self.workers),
            cwd=ROOT,
            env={**os.environ, **self.env},
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"{self.app} exited; see {log_path}")
            try:
                answered = httpx.get(self.base_url + ready_path, timeout=2).status_code < 500
                if answered and len(self.worker_pids()) >= self.workers:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
        self.stop()
        raise RuntimeError(f"{self.app} did not become ready; see {log_path}")

    def worker_pids(self) -> list[int]:
        if self.process is None:
            return []
        pid = self.process.pid
        try:
            children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
        except OSError:
            return []
        return [int(c) for c in children]

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def _rss_kib(pid: int) -> int:
    try:
        return int(Path(f"/proc/{pid}/statm").read_text().split()[1]) * PAGE_KIB
    except (OSError, IndexError, ValueError):
        return 0


def _cpu_seconds(pid: int) -> float:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return 0.0
    # utime and stime are fields 14 and 15 of stat; after the ")" they are at 11 and 12.
    return (int(fields[11]) + int(fields[12])) / TICKS


class WorkerWatch:
    """Samples the workers' RSS while a load runs; tells the peak and each worker's CPU share."""

    def __init__(self, pids: list[int], interval: float = 0.1) -> None:
        self.pids = pids
        self.interval = interval
        self.peak_total_kib = 0
        self.peak_worker_kib = 0
        self._stop = threading.Event()
        self._cpu_start = {pid: _cpu_seconds(pid) for pid in pids}
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> WorkerWatch:
        self._thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self.cpu = {pid: _cpu_seconds(pid) - self._cpu_start[pid] for pid in self.pids}

    def _run(self) -> None:
        while not self._stop.is_set():
            sizes = [_rss_kib(pid) for pid in self.pids]
            self.peak_total_kib = max(self.peak_total_kib, sum(sizes))
            self.peak_worker_kib = max(self.peak_worker_kib, *sizes, 0)
            self._stop.wait(self.interval)
