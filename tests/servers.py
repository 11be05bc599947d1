"""Real uvicorn processes for the tests that need a live server (workers, fuzzing, faults)."""

from __future__ import annotations

import os
import select
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import orjson

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


@dataclass
class Exchange:
    """What a raw HTTP/1.1 exchange got back: the first response, and how much was sent."""

    status: int | None
    headers: dict[str, str]
    body: bytes
    sent: int
    closed: bool

    def json(self) -> Any:
        return orjson.loads(self.body)


def raw_exchange(
    port: int,
    head: bytes,
    trickle: bytes = b"",
    every: float = 0.25,
    limit_seconds: float = 30,
    await_close: bool = True,
) -> Exchange:
    """Send `head` at once, then `trickle` one byte every `every` seconds, stopping when the
    server answers or closes; read the first response (Content-Length framed) and whether
    the server then closed the connection (waiting a few seconds for that unless not
    `await_close`).

    A raw socket, because the requests under test (huge heads, slow bytes) are ones an
    HTTP client library shapes or refuses itself.
    """
    sent = 0
    received = b""
    with socket.create_connection(("127.0.0.1", port), timeout=limit_seconds) as sock:
        try:
            sock.sendall(head)
            sent = len(head)
            for byte in trickle:
                if _readable(sock, every):
                    break
                sock.sendall(bytes([byte]))
                sent += 1
        except OSError:
            pass  # the server refused and closed while we were still sending
        closed = False
        sock.settimeout(limit_seconds)
        while not _complete(received):
            try:
                chunk = sock.recv(65536)
            except OSError:
                chunk = b""
            if not chunk:
                closed = True
                break
            received += chunk
        if not closed and await_close:
            closed = _closes_soon(sock)
    return _parse(received, sent, closed)


def _readable(sock: socket.socket, seconds: float) -> bool:
    ready, _, _ = select.select([sock], [], [], seconds)
    return bool(ready)


def _complete(received: bytes) -> bool:
    head, found, body = received.partition(b"\r\n\r\n")
    if not found:
        return False
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            return len(body) >= int(value)
    return False


def _closes_soon(sock: socket.socket, seconds: float = 5) -> bool:
    sock.settimeout(seconds)
    try:
        return sock.recv(1) == b""
    except TimeoutError:
        return False
    except OSError:
        return True


def _parse(received: bytes, sent: int, closed: bool) -> Exchange:
    head, _, body = received.partition(b"\r\n\r\n")
    lines = head.split(b"\r\n")
    if not lines[0].startswith(b"HTTP/1."):
        return Exchange(None, {}, received, sent, closed)
    headers = {}
    for line in lines[1:]:
        name, _, value = line.partition(b":")
        headers[name.strip().lower().decode()] = value.strip().decode()
    return Exchange(int(lines[0].split()[1]), headers, body, sent, closed)


@dataclass
class Service:
    """A serving process started by a command line of its own (a serve command, nginx)."""

    name: str
    process: subprocess.Popen[bytes]
    port: int
    log: Path

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def stop(self) -> None:
        """SIGTERM to its whole process group (make, gunicorn's workers), then SIGKILL."""
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()


def start_service(
    name: str, args: list[str], env: Mapping[str, str], port: int, log: Path, within: float = 60
) -> Service:
    """Run `args` in a process group of its own; return once /healthz answers on `port`."""
    with log.open("wb") as out:
        process = subprocess.Popen(
            args,
            cwd=ROOT,
            env=dict(env),
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    service = Service(name, process, port, log)
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{name} exited with {process.returncode}:\n{service.output()}")
        try:
            if httpx.get(f"{service.url}/healthz", timeout=1).is_success:
                return service
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    service.stop()
    raise RuntimeError(f"{name} did not serve within {within} s:\n{service.output()}")
