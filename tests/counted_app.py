"""`main:app` with every password verification counted, for tests that count them across
processes: each one appends a byte to PASSWORD_CHECKS_FILE (the real verification still runs).

Serve it as `uvicorn tests.counted_app:app` (tests/servers.py `start_server(app=...)`).
"""

from __future__ import annotations

import os
from typing import Any

from auth import passwords
from main import app

__all__ = ["app"]


class _CountingHasher:
    def __init__(self, hasher: Any, path: str) -> None:
        self._hasher = hasher
        self._path = path

    def verify(self, *args: Any, **kwargs: Any) -> bool:
        # O_APPEND: writes of both processes land whole, one byte per check.
        descriptor = os.open(self._path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        try:
            os.write(descriptor, b".")
        finally:
            os.close(descriptor)
        return bool(self._hasher.verify(*args, **kwargs))

    def __getattr__(self, name: str) -> Any:
        return getattr(self._hasher, name)


if os.environ.get("PASSWORD_CHECKS_FILE"):
    passwords._hasher = _CountingHasher(  # type: ignore[assignment]
        passwords._hasher, os.environ["PASSWORD_CHECKS_FILE"]
    )
