"""Fixed-window attempt counters for sign-in and sign-up throttling.

The in-process store serves one worker; with REDIS_URL every worker and replica shares
one count. When Redis fails, counting falls back to the process's own store and the
fault is logged: throttling degrades, sign-in keeps working.
"""

from __future__ import annotations

import logging
import math
import time
from dataclasses import dataclass
from typing import Protocol, cast

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Limit:
    name: str
    max_attempts: int
    window_seconds: int


class CounterStore(Protocol):
    async def count(self, key: str) -> tuple[int, float]:
        """(attempts in the current window, seconds until it ends)."""
        ...

    async def hit(self, key: str, window_seconds: int) -> None: ...

    async def clear(self, key: str) -> None: ...

    async def close(self) -> None: ...


class MemoryStore:
    def __init__(self) -> None:
        self._windows: dict[str, tuple[int, float]] = {}

    @staticmethod
    def _now() -> float:
        return time.monotonic()

    async def count(self, key: str) -> tuple[int, float]:
        attempts, ends = self._windows.get(key, (0, 0.0))
        left = ends - self._now()
        return (attempts, left) if left > 0 else (0, 0.0)

    async def hit(self, key: str, window_seconds: int) -> None:
        attempts, left = await self.count(key)
        ends = self._now() + (left if attempts else window_seconds)
        self._windows[key] = (attempts + 1, ends)
        if len(self._windows) > 100_000:
            self._sweep()

    async def clear(self, key: str) -> None:
        self._windows.pop(key, None)

    async def close(self) -> None:
        self._windows.clear()

    def _sweep(self) -> None:
        now = self._now()
        self._windows = {k: v for k, v in self._windows.items() if v[1] > now}


class RedisStore:
    """Shared counters: INCR plus an expiry set on the first hit of a window."""

    def __init__(self, url: str, prefix: str = "gpts:throttle:") -> None:
        from redis.asyncio import Redis

        self._redis = Redis.from_url(url, socket_timeout=0.5, socket_connect_timeout=0.5)
        self._prefix = prefix

    async def count(self, key: str) -> tuple[int, float]:
        pipe = self._redis.pipeline(transaction=False)
        pipe.get(self._prefix + key)
        pipe.pttl(self._prefix + key)
        raw, pttl = await pipe.execute()
        if raw is None or pttl is None or pttl <= 0:
            return 0, 0.0
        return int(raw), pttl / 1000

    async def hit(self, key: str, window_seconds: int) -> None:
        pipe = self._redis.pipeline(transaction=True)
        pipe.incr(self._prefix + key)
        pipe.expire(self._prefix + key, window_seconds, nx=True)
        await pipe.execute()

    async def clear(self, key: str) -> None:
        await self._redis.delete(self._prefix + key)

    async def ping(self) -> bool:
        return bool(await self._redis.ping())

    async def close(self) -> None:
        await self._redis.aclose()


class Throttle:
    # While the shared store is down every call fails: one traceback per interval is
    # enough to see the fault without flooding the logs under load.
    FAULT_LOG_INTERVAL_SECONDS = 60.0

    def __init__(self, store: CounterStore, fallback: MemoryStore | None = None) -> None:
        self.store = store
        self.fallback = fallback or (store if isinstance(store, MemoryStore) else MemoryStore())
        self._fault_logged_at: float | None = None
        self.faults = 0

    async def _call(self, method: str, *args: object) -> object:
        try:
            return await getattr(self.store, method)(*args)
        except Exception:
            if self.store is self.fallback:
                raise
            self.faults += 1
            now = time.monotonic()
            if (
                self._fault_logged_at is None
                or now - self._fault_logged_at >= self.FAULT_LOG_INTERVAL_SECONDS
            ):
                self._fault_logged_at = now
                log.exception(
                    "throttle store failed; counting in this process instead "
                    "(%d failed calls so far; next report in %.0f s at the earliest)",
                    self.faults,
                    self.FAULT_LOG_INTERVAL_SECONDS,
                )
            return await getattr(self.fallback, method)(*args)

    async def retry_after(self, checks: list[tuple[Limit, str]]) -> int | None:
        """Seconds to wait when any (limit, key) is used up, else None."""
        waits = []
        for limit, key in checks:
            attempts, left = cast(
                tuple[int, float], await self._call("count", f"{limit.name}:{key}")
            )
            if attempts >= limit.max_attempts:
                waits.append(max(1, math.ceil(left)))
        return max(waits) if waits else None

    async def hit(self, checks: list[tuple[Limit, str]]) -> None:
        for limit, key in checks:
            await self._call("hit", f"{limit.name}:{key}", limit.window_seconds)

    async def clear(self, limit: Limit, key: str) -> None:
        await self._call("clear", f"{limit.name}:{key}")

    async def close(self) -> None:
        await self.store.close()
