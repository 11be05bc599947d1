"""A throwaway MariaDB server: its own data directory, port and socket; the shared one on 3306
is never touched. For tests that stop and restart a database."""

from __future__ import annotations

import shutil
import signal
import subprocess
import tempfile
import time
from pathlib import Path

import pymysql

from tests.servers import free_port

MARIADBD = "/usr/sbin/mariadbd"
# Small, so install and start take a second or two.
_SERVER_OPTIONS = ("--innodb-log-file-size=8M", "--innodb-buffer-pool-size=16M")


class ThrowawayMariaDB:
    def __init__(self) -> None:
        # Not under pytest's tmp dirs: those are 0700 and mariadbd runs as `mysql`.
        self.root = Path(tempfile.mkdtemp(prefix="gpts-mariadb-"))
        self.root.chmod(0o755)
        self.datadir = self.root / "data"
        self.datadir.mkdir()
        shutil.chown(self.root, "mysql", "mysql")
        shutil.chown(self.datadir, "mysql", "mysql")
        self.port = free_port()
        self.socket = self.root / "mysqld.sock"
        self.process: subprocess.Popen[bytes] | None = None
        subprocess.run(
            [
                "mariadb-install-db",
                "--no-defaults",
                f"--datadir={self.datadir}",
                "--user=mysql",
                "--auth-root-authentication-method=normal",
                "--skip-test-db",
                *_SERVER_OPTIONS,
            ],
            check=True,
            capture_output=True,
            timeout=120,
        )

    def url(self, database: str) -> str:
        return f"mysql+aiomysql://root@127.0.0.1:{self.port}/{database}?charset=utf8mb4"

    def start(self, wait: float = 60) -> None:
        self.process = subprocess.Popen(
            [
                MARIADBD,
                "--no-defaults",
                f"--datadir={self.datadir}",
                f"--port={self.port}",
                f"--socket={self.socket}",
                f"--pid-file={self.root / 'mysqld.pid'}",
                f"--log-error={self.root / 'error.log'}",
                "--bind-address=127.0.0.1",
                "--user=mysql",
                "--skip-log-bin",
                *_SERVER_OPTIONS,
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + wait
        while not self.answers():
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"throwaway MariaDB did not start:\n{self.error_log()}")
            time.sleep(0.05)

    def answers(self) -> bool:
        try:
            pymysql.connect(
                host="127.0.0.1", port=self.port, user="root", connect_timeout=1
            ).close()
        except pymysql.err.OperationalError:
            return False
        return True

    def kill(self) -> None:
        """SIGKILL: the server dies as in a crash, mid-request."""
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(timeout=30)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.kill()

    def execute(self, sql: str) -> None:
        with (
            pymysql.connect(host="127.0.0.1", port=self.port, user="root", autocommit=True) as conn,
            conn.cursor() as cursor,
        ):
            cursor.execute(sql)

    def error_log(self) -> str:
        path = self.root / "error.log"
        return path.read_text(errors="replace")[-3000:] if path.exists() else ""

    def remove(self) -> None:
        self.stop()
        shutil.rmtree(self.root, ignore_errors=True)
