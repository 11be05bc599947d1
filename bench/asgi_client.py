"""An ASGI client that calls the app as a server's protocol would: a scope and two callables,
none of an HTTP client's work in this process (bench.cpu, bench.calls, bench.across_driver).

It imports nothing of this project, so bench/across_driver.py can load it by its path while
running inside an older checkout that does not have it.
"""

from __future__ import annotations

import asyncio
from typing import Any


class _Answer:
    def __init__(self, status: int, content: bytes) -> None:
        self.status_code, self.content = status, content

    @property
    def text(self) -> str:
        return self.content.decode(errors="replace")


class AsgiClient:
    """POSTs straight into an ASGI app (its lifespan already running): what a server's
    protocol hands the app, without an HTTP client's work in this process."""

    def __init__(self, app: Any) -> None:
        self._app = app

    async def post(self, path: str, *, content: bytes, headers: dict[str, str]) -> _Answer:
        scope = {
            "type": "http",
            "asgi": {"version": "3.0", "spec_version": "2.3"},
            "http_version": "1.1",
            "method": "POST",
            "scheme": "http",
            "path": path,
            "raw_path": path.encode(),
            "query_string": b"",
            "root_path": "",
            "headers": [(b"host", b"bench"), (b"content-length", str(len(content)).encode())]
            + [(k.encode(), v.encode()) for k, v in headers.items()],
            "client": ("127.0.0.1", 50000),
            "server": ("bench", 80),
        }
        done = asyncio.Event()
        sent = False
        status, chunks = 0, []

        async def receive() -> dict[str, Any]:
            nonlocal sent
            if not sent:
                sent = True
                return {"type": "http.request", "body": content, "more_body": False}
            await done.wait()
            return {"type": "http.disconnect"}

        async def send(message: dict[str, Any]) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            elif message["type"] == "http.response.body":
                chunks.append(message.get("body", b""))
                if not message.get("more_body", False):
                    done.set()

        await self._app(scope, receive, send)
        return _Answer(status, b"".join(chunks))
