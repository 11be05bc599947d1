"""Sign-in and sign-up throttling through the API, on the in-process store and on Redis."""

from __future__ import annotations

import contextlib
import logging
import uuid
from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx
import pytest
from redis import Redis

from auth.throttle import Limit, MemoryStore, RedisStore, Throttle
from settings import Settings
from tests.documents import SIGN_IN, SIGN_UP
from tests.hardening import App, app_with
from tests.utils import GraphQLClient, assert_error_code, assert_no_errors

REDIS_URL = "redis://127.0.0.1:6379/0"
# Nothing listens on port 1: connecting fails at once.
DEAD_REDIS_URL = "redis://127.0.0.1:1/0"
LIMITS = {
    "sign_in_failures_per_username": 3,
    "sign_in_failures_per_address": 5,
    "sign_in_window_seconds": 600,
    "sign_ups_per_address": 3,
    "sign_up_window_seconds": 900,
}
PASSWORD = "correct-horse-1"


def redis_prefix() -> str:
    return f"gpts-test:{uuid.uuid4().hex[:12]}:"


def redis_keys(prefix: str) -> list[bytes]:
    with Redis.from_url(REDIS_URL) as redis:
        return list(redis.scan_iter(match=prefix + "*"))


def assert_counted_in_the_store(store_settings: dict[str, Any]) -> None:
    """With Redis selected, the counts are really there (not in a silent fallback)."""
    if store_settings["redis_url"]:
        assert redis_keys(store_settings["redis_key_prefix"])


def drop_keys(prefix: str) -> None:
    with Redis.from_url(REDIS_URL) as redis:
        keys = list(redis.scan_iter(match=prefix + "*"))
        if keys:
            redis.delete(*keys)


@pytest.fixture(params=["memory", "redis"])
def store_settings(request: pytest.FixtureRequest) -> Iterator[dict[str, Any]]:
    """Settings changes selecting the store: none (in-process) or a Redis key prefix."""
    if request.param == "memory":
        yield {"redis_url": None}
        return
    prefix = redis_prefix()
    yield {"redis_url": REDIS_URL, "redis_key_prefix": prefix}
    drop_keys(prefix)


@contextlib.asynccontextmanager
async def throttled_app(settings: Settings, **changes: Any) -> AsyncIterator[App]:
    async with app_with(settings, **LIMITS, **changes) as app:
        yield app


def client_from(app: App, address: str) -> GraphQLClient:
    # Only the ASGI scope's client address changes; no traffic leaves the process.
    transport = httpx.ASGITransport(app=app.app, client=(address, 40000))
    return GraphQLClient(httpx.AsyncClient(transport=transport, base_url="http://testserver"))


async def sign_up(gql: GraphQLClient, username: str) -> dict[str, Any]:
    return await gql(
        SIGN_UP,
        {"input": {"username": username, "email": f"{username}@example.com", "password": PASSWORD}},
    )


async def sign_in(gql: GraphQLClient, username: str, password: str = PASSWORD) -> dict[str, Any]:
    return await gql(SIGN_IN, {"input": {"username": username, "password": password}})


def retry_after(body: dict[str, Any], window: int) -> int:
    error = assert_error_code(body, "RATE_LIMITED")
    seconds = error["extensions"]["retryAfter"]
    assert isinstance(seconds, int) and 1 <= seconds <= window, seconds
    return seconds


async def test_failed_sign_ins_per_username(
    settings: Settings, store_settings: dict[str, Any], services: Any
) -> None:
    async with throttled_app(settings, **store_settings) as app:
        # given a user, and three wrong passwords for them (the per-username limit)
        assert_no_errors(await sign_up(app.gql, "dora"))
        for _ in range(3):
            assert_error_code(await sign_in(app.gql, "dora", "wrong-pass-1"), "UNAUTHENTICATED")
        # when the right password comes next, even from another address
        other = client_from(app, "192.0.2.10")
        body = await sign_in(other, "DORA")
        # then the username is locked for the window (names compare ignoring case)
        retry_after(body, LIMITS["sign_in_window_seconds"])
        assert_counted_in_the_store(store_settings)
        # while other usernames from the first address still sign in
        assert_no_errors(await sign_up(app.gql, "eve"))
        assert_no_errors(await sign_in(app.gql, "eve"))


async def test_failed_sign_ins_per_address(
    settings: Settings, store_settings: dict[str, Any], services: Any
) -> None:
    async with throttled_app(settings, **store_settings) as app:
        assert_no_errors(await sign_up(app.gql, "fred"))
        # given five failures from one address, each for a different (unknown) username
        for number in range(5):
            assert_error_code(await sign_in(app.gql, f"ghost{number}"), "UNAUTHENTICATED")
        # when a real user signs in from that address, then it is refused
        retry_after(await sign_in(app.gql, "fred"), LIMITS["sign_in_window_seconds"])
        assert_counted_in_the_store(store_settings)
        # and from another address the same user gets in
        assert_no_errors(await sign_in(client_from(app, "192.0.2.11"), "fred"))


async def test_sign_ups_per_address(
    settings: Settings, store_settings: dict[str, Any], services: Any
) -> None:
    async with throttled_app(settings, **store_settings) as app:
        # given three sign-up attempts from one address (one of them refused as invalid)
        assert_no_errors(await sign_up(app.gql, "hana"))
        assert_no_errors(await sign_up(app.gql, "ivan"))
        assert_error_code(await sign_up(app.gql, "bad name!"), "BAD_USER_INPUT")
        # when a fourth comes, then it is throttled
        retry_after(await sign_up(app.gql, "judy"), LIMITS["sign_up_window_seconds"])
        assert_counted_in_the_store(store_settings)
        # and another address may still sign up
        assert_no_errors(await sign_up(client_from(app, "192.0.2.12"), "judy"))


async def test_unreachable_redis_falls_back_to_the_process(
    settings: Settings, services: Any, caplog: pytest.LogCaptureFixture
) -> None:
    # given REDIS_URL pointing at a closed port
    async with throttled_app(settings, redis_url=DEAD_REDIS_URL) as app:
        with caplog.at_level(logging.WARNING):
            # when users sign up and in
            assert_no_errors(await sign_up(app.gql, "kate"))
            assert_no_errors(await sign_in(app.gql, "kate"))
        # then the service works, and the fault was logged
        faults = [r for r in caplog.records if "throttle store failed" in r.getMessage()]
        assert faults and faults[0].levelno >= logging.WARNING
        # once, not once per failed call: an outage must not flood the logs
        assert len(faults) == 1
        assert app.services.throttle.faults > 1
        # and throttling still holds, counted in this process
        for _ in range(3):
            assert_error_code(await sign_in(app.gql, "kate", "wrong-pass-1"), "UNAUTHENTICATED")
        retry_after(await sign_in(app.gql, "kate"), LIMITS["sign_in_window_seconds"])


@pytest.mark.parametrize("kind", ["memory", "redis"])
async def test_store_windows_count_and_end(kind: str) -> None:
    # given a store and a limit of 2 attempts per 1-second window
    prefix = redis_prefix()
    store = MemoryStore() if kind == "memory" else RedisStore(REDIS_URL, prefix=prefix)
    throttle = Throttle(store)
    limit = Limit("test", 2, 1)
    try:
        assert await throttle.retry_after([(limit, "k")]) is None
        await throttle.hit([(limit, "k")])
        assert await throttle.retry_after([(limit, "k")]) is None
        await throttle.hit([(limit, "k")])
        # then the second hit uses the window up, for at most its length
        assert await throttle.retry_after([(limit, "k")]) == 1
        # and clearing the key frees it
        await throttle.clear(limit, "k")
        assert await throttle.retry_after([(limit, "k")]) is None
    finally:
        await throttle.close()
        if kind == "redis":
            drop_keys(prefix)
