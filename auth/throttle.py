"""Fixed-window attempt counters for sign-in and sign-up throttling, counted before the check.

An attempt is reserved before the work it limits (a password check): `reserve` counts one
attempt against every counter at once, or against none when one of them is used up, in a
single atomic step: one Lua script on Redis, one synchronous step (no await inside) in the
process. So a parallel burst cannot outrun a limit: of 40 wrong passwords sent at once for one
username with a limit of 5, five are checked and 35 refused unchecked, across every worker
sharing the Redis. An attempt that turns out not to count (a right password) is given back
with `release`. A reservation whose request failed halfway (cancelled, crashed) stays counted:
the limit fails closed.

The in-process store serves one worker; with REDIS_URL every worker and replica shares
one count. When Redis fails, counting falls back to the process's own store and the
fault is logged: throttling degrades, sign-in keeps working.
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol, cast

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Limit:
    name: str
    max_attempts: int
    window_seconds: int


@dataclass(frozen=True, slots=True)
class Counter:
    key: str
    max_attempts: int
    window_seconds: int


class CounterStore(Protocol):
    async def reserve(self, counters: Sequence[Counter]) -> float | None:
        """Count one attempt on every counter, unless one is used up: then count none and
        return the seconds until the latest of the used-up windows ends."""
        ...

    async def release(self, keys: Sequence[str]) -> None:
        """Give one reserved attempt back to each counter (never below zero)."""
        ...

    async def clear(self, key: str) -> None: ...

    async def close(self) -> None: ...


class MemoryStore:
    """One process's counters. Each method runs to its end without awaiting, so on the event
    loop's single thread a check and its count are one step no other request can enter."""

    def __init__(self) -> None:
        self._windows: dict[str, tuple[int, float]] = {}

    @staticmethod
    def _now() -> float:
        return time.monotonic()

    async def reserve(self, counters: Sequence[Counter]) -> float | None:
        now = self._now()
        waits = []
        for counter in counters:
            attempts, ends = self._windows.get(counter.key, (0, 0.0))
            if ends > now and attempts >= counter.max_attempts:
                waits.append(ends - now)
        if waits:
            return max(waits)
        for counter in counters:
            attempts, ends = self._windows.get(counter.key, (0, 0.0))
            if ends <= now:
                attempts, ends = 0, now + counter.window_seconds
            self._windows[counter.key] = (attempts + 1, ends)
        if len(self._windows) > 100_000:
            self._sweep()
        return None

    async def release(self, keys: Sequence[str]) -> None:
        now = self._now()
        for key in keys:
            attempts, ends = self._windows.get(key, (0, 0.0))
            if attempts > 1 and ends > now:
                self._windows[key] = (attempts - 1, ends)
            else:
                self._windows.pop(key, None)

    async def clear(self, key: str) -> None:
        self._windows.pop(key, None)

    async def close(self) -> None:
        self._windows.clear()

    def _sweep(self) -> None:
        now = self._now()
        self._windows = {k: v for k, v in self._windows.items() if v[1] > now}


# KEYS[i] is a counter, ARGV[2i-1] its limit, ARGV[2i] its window in milliseconds. Returns
# -1 when every counter took one more attempt, else the milliseconds left of the longest
# used-up window (and nothing was counted). A counter found without an expiry gets one, so
# no key can lock forever.
_RESERVE = """
local wait = -1
for i, key in ipairs(KEYS) do
  if tonumber(redis.call('GET', key) or '0') >= tonumber(ARGV[2 * i - 1]) then
    local left = redis.call('PTTL', key)
    if left < 0 then
      left = tonumber(ARGV[2 * i])
      redis.call('PEXPIRE', key, left)
    end
    if left > wait then wait = left end
  end
end
if wait >= 0 then return wait end
for i, key in ipairs(KEYS) do
  redis.call('INCR', key)
  if redis.call('PTTL', key) < 0 then redis.call('PEXPIRE', key, ARGV[2 * i]) end
end
return -1
"""
# One attempt back per counter; a counter back at zero is removed (never left negative or
# without an expiry, as a plain DECR on an expired key would leave it).
_RELEASE = """
for _, key in ipairs(KEYS) do
  local attempts = tonumber(redis.call('GET', key) or '0')
  if attempts > 1 then redis.call('DECR', key) elseif attempts == 1 then redis.call('DEL', key) end
end
return 0
"""


class RedisStore:
    """Shared counters: each reservation and release is one Lua script, atomic on the server.

    The keys of one reservation are used together in one script: on a Redis Cluster they
    would need one hash slot; a single Redis (or a replicated primary) is what is supported.
    """

    # A few connections, kept: each call is one short script. A burst of sign-ins opening a
    # connection per request (40 connects at once on a busy event loop, 0.5 s timeouts) timed
    # some out, and those attempts went to the fallback's separate count. A refused
    # connection (Redis down) still fails at once; only a hung Redis waits the timeouts.
    MAX_CONNECTIONS = 8

    def __init__(self, url: str, prefix: str = "gpts:throttle:") -> None:
        from redis.asyncio import BlockingConnectionPool, Redis

        pool = BlockingConnectionPool.from_url(
            url,
            max_connections=self.MAX_CONNECTIONS,
            timeout=2,  # waiting for one of them
            socket_timeout=1,
            socket_connect_timeout=2,
        )
        self._redis = Redis(connection_pool=pool)
        self._prefix = prefix
        self._reserve = self._redis.register_script(_RESERVE)
        self._release = self._redis.register_script(_RELEASE)

    async def reserve(self, counters: Sequence[Counter]) -> float | None:
        keys = [self._prefix + counter.key for counter in counters]
        args: list[int] = []
        for counter in counters:
            args += [counter.max_attempts, counter.window_seconds * 1000]
        left = int(await self._reserve(keys=keys, args=args))
        return None if left < 0 else left / 1000

    async def release(self, keys: Sequence[str]) -> None:
        await self._release(keys=[self._prefix + key for key in keys])

    async def clear(self, key: str) -> None:
        await self._redis.delete(self._prefix + key)

    async def ping(self) -> bool:
        return bool(await self._redis.ping())

    async def close(self) -> None:
        await self._redis.aclose()


Checks = Sequence[tuple[Limit, str]]


def _key(limit: Limit, key: str) -> str:
    return f"{limit.name}:{key}"


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

    async def reserve(self, checks: Checks) -> int | None:
        """Count this attempt against every (limit, key) before the work it limits.

        None when it was counted and may go ahead; otherwise the whole seconds to wait
        (at least 1), and nothing was counted.
        """
        counters = [
            Counter(_key(limit, key), limit.max_attempts, limit.window_seconds)
            for limit, key in checks
        ]
        left = cast(float | None, await self._call("reserve", counters))
        return None if left is None else max(1, math.ceil(left))

    async def release(self, checks: Checks) -> None:
        """Give back an attempt `reserve` counted that turned out not to count."""
        await self._call("release", [_key(limit, key) for limit, key in checks])

    async def clear(self, limit: Limit, key: str) -> None:
        await self._call("clear", _key(limit, key))

    async def close(self) -> None:
        await self.store.close()
