"""Sign-in and sign-up throttling through the API, on the in-process store and on Redis."""

from __future__ import annotations

import asyncio
import collections
import contextlib
import dataclasses
import logging
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from redis import Redis

from auth.throttle import Limit, MemoryStore, RedisStore, Throttle
from services import Services
from settings import Settings
from tests.documents import CHANGE_PASSWORD, DELETE_ACCOUNT, SIGN_IN, SIGN_UP
from tests.hardening import App, app_with
from tests.utils import (
    Account,
    GraphQLClient,
    assert_error_code,
    assert_no_errors,
    count_password_checks,
    sign_up_and_in,
)

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
    async with app_with(settings, **{**LIMITS, **changes}) as app:
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
        assert await throttle.reserve([(limit, "k")]) is None
        assert await throttle.reserve([(limit, "k")]) is None
        # then the third attempt is refused, for at most the window's length
        assert await throttle.reserve([(limit, "k")]) == 1
        # and an attempt given back may be taken again, once
        await throttle.release([(limit, "k")])
        assert await throttle.reserve([(limit, "k")]) is None
        assert await throttle.reserve([(limit, "k")]) == 1
        # and clearing the key frees it
        await throttle.clear(limit, "k")
        assert await throttle.reserve([(limit, "k")]) is None
        if kind == "redis":
            # a shared counter always carries its window's expiry
            with Redis.from_url(REDIS_URL) as redis:
                assert 0 < redis.pttl(f"{prefix}test:k") <= 1000
    finally:
        await throttle.close()
        if kind == "redis":
            drop_keys(prefix)


@pytest.mark.parametrize("kind", ["memory", "redis"])
async def test_a_reservation_counts_on_every_counter_or_on_none(kind: str) -> None:
    # given two limits checked together: one of 1 attempt, one of 3
    prefix = redis_prefix()
    store = MemoryStore() if kind == "memory" else RedisStore(REDIS_URL, prefix=prefix)
    throttle = Throttle(store)
    tight, loose = Limit("tight", 1, 60), Limit("loose", 3, 60)
    both = [(tight, "k"), (loose, "k")]
    try:
        assert await throttle.reserve(both) is None
        # when the tight one is used up, a reservation of both is refused
        assert await throttle.reserve(both) == 60
        assert await throttle.reserve(both) == 60
        # then the refusals counted nothing on the loose one: two attempts are left there
        assert await throttle.reserve([(loose, "k")]) is None
        assert await throttle.reserve([(loose, "k")]) is None
        assert await throttle.reserve([(loose, "k")]) == 60
        # and giving back more than was taken never goes below zero
        for _ in range(5):
            await throttle.release([(tight, "k"), (tight, "other")])
        assert await throttle.reserve([(tight, "k")]) is None
        assert await throttle.reserve([(tight, "k")]) == 60
        assert await throttle.reserve([(tight, "other")]) is None
    finally:
        await throttle.close()
        if kind == "redis":
            drop_keys(prefix)


# A burst as the issue tried it: 40 at once for one username, against a limit of 5.
BURST = 40
BURST_LIMITS = {"sign_in_failures_per_username": 5, "sign_in_failures_per_address": 1000}


def codes(bodies: list[dict[str, Any]]) -> collections.Counter[str]:
    return collections.Counter(
        body["errors"][0]["extensions"]["code"] if body.get("errors") else "OK" for body in bodies
    )


async def test_a_burst_of_wrong_sign_ins_checks_at_most_the_limit(
    settings: Settings, store_settings: dict[str, Any], services: Any
) -> None:
    async with throttled_app(settings, **store_settings, **BURST_LIMITS) as app:
        # given a user
        assert_no_errors(await sign_up(app.gql, "burst"))
        with count_password_checks() as checks:
            # when 40 wrong sign-ins for them arrive at once
            bodies = await asyncio.gather(
                *(sign_in(app.gql, "burst", "wrong-pass-1") for _ in range(BURST))
            )
            # then only 5 passwords were checked, and the other 35 were refused unchecked
            assert checks.count == 5
            assert codes(bodies) == {"UNAUTHENTICATED": 5, "RATE_LIMITED": BURST - 5}
            # and the right password, after the burst, is refused too, without a check
            retry_after(await sign_in(app.gql, "burst"), LIMITS["sign_in_window_seconds"])
            assert checks.count == 5
        assert_counted_in_the_store(store_settings)
        # (with Redis selected, every call reached it: none fell back to a count of its own)
        assert app.services.throttle.faults == 0


CHECKED_MUTATIONS: dict[str, tuple[str, Callable[[], dict[str, Any]]]] = {
    "changePassword": (
        CHANGE_PASSWORD,
        lambda: {"input": {"currentPassword": "wrong-pass-1", "newPassword": "new-horse-22"}},
    ),
    "deleteAccount": (DELETE_ACCOUNT, lambda: {"password": "wrong-pass-1"}),
}


@pytest.mark.parametrize("mutation", sorted(CHECKED_MUTATIONS))
async def test_a_burst_of_wrong_current_passwords_checks_at_most_the_limit(
    settings: Settings, store_settings: dict[str, Any], services: Any, mutation: str
) -> None:
    document, variables = CHECKED_MUTATIONS[mutation]
    async with throttled_app(settings, **store_settings, **BURST_LIMITS) as app:
        # given a signed-in user
        account = await sign_up_and_in(app.gql, "checker", PASSWORD)
        with count_password_checks() as checks:
            # when 40 calls with a wrong current password arrive at once
            bodies = await asyncio.gather(
                *(app.gql(document, variables(), token=account.token) for _ in range(BURST))
            )
            # then they count as failed sign-ins: 5 checked, 35 refused unchecked
            assert checks.count == 5
            assert codes(bodies) == {"BAD_USER_INPUT": 5, "RATE_LIMITED": BURST - 5}
            # and signing in with the right password is refused as well
            retry_after(await sign_in(app.gql, "checker"), LIMITS["sign_in_window_seconds"])
            assert checks.count == 5
        assert app.services.throttle.faults == 0


async def test_a_burst_of_sign_ups_counts_every_attempt(
    settings: Settings, store_settings: dict[str, Any], services: Any
) -> None:
    async with throttled_app(settings, **store_settings) as app:
        # when 40 sign-ups (invalid ones, so no hashing) come at once from one address
        bodies = await asyncio.gather(*(sign_up(app.gql, "bad name!") for _ in range(BURST)))
        # then exactly the 3 allowed are looked at; the rest are refused
        assert codes(bodies) == {"BAD_USER_INPUT": 3, "RATE_LIMITED": BURST - 3}
        assert_counted_in_the_store(store_settings)
        assert app.services.throttle.faults == 0


async def test_a_right_password_gives_its_attempt_back(
    settings: Settings, store_settings: dict[str, Any], services: Any
) -> None:
    async with throttled_app(settings, **store_settings) as app:
        # given a user, and 4 failures from one address (its limit is 5)
        account = await sign_up_and_in(app.gql, "giver", PASSWORD)
        for number in range(4):
            assert_error_code(await sign_in(app.gql, f"ghost{number}"), "UNAUTHENTICATED")
        # when the user signs in and changes the password with the right one, several times
        for _ in range(3):
            account = await sign_in_again(app.gql, account)
        new_password = {"currentPassword": PASSWORD, "newPassword": PASSWORD}
        body = await app.gql(CHANGE_PASSWORD, {"input": new_password}, token=account.token)
        assert_no_errors(body)
        # then none of that counted: one more failure is allowed, and only then the limit holds
        assert_error_code(await sign_in(app.gql, "ghost9"), "UNAUTHENTICATED")
        retry_after(await sign_in(app.gql, "giver"), LIMITS["sign_in_window_seconds"])


async def sign_in_again(gql: GraphQLClient, account: Account) -> Account:
    data = assert_no_errors(await sign_in(gql, account.username, account.password))["signIn"]
    return dataclasses.replace(account, token=data["accessToken"])


async def test_a_sign_in_the_database_could_not_serve_does_not_count(
    settings: Settings, tmp_path: Path, services: Any
) -> None:
    # given a database that cannot be reached (an SQLite file in a directory that is gone)
    gone = f"sqlite+aiosqlite:///{tmp_path / 'gone' / 'app.db'}"
    async with throttled_app(settings, database_url=gone) as app:
        # when more sign-ins than the username limit fail for that reason
        for _ in range(LIMITS["sign_in_failures_per_username"] + 2):
            assert_error_code(await sign_in(app.gql, "dora"), "SERVICE_UNAVAILABLE")
        # then none of them used up an attempt: no password was checked
        limits = app.services.limits
        checks = [(limits.sign_in_username, "dora"), (limits.sign_in_address, "127.0.0.1")]
        assert await app.services.throttle.reserve(checks) is None


async def test_a_name_no_account_can_have_makes_no_throttle_key(
    gql: GraphQLClient, services: Services
) -> None:
    # given an in-process store / when sign-ins arrive with names no account can have
    store = services.throttle.store
    assert isinstance(store, MemoryStore)
    for name in ("x" * 10_000, "spaces are not allowed", ""):
        body = await gql(SIGN_IN, {"input": {"username": name, "password": "whatever-1"}})
        # then each is the usual wrong-credentials answer, and nothing was stored for it
        assert_error_code(body, "UNAUTHENTICATED")
    assert store._windows == {}
