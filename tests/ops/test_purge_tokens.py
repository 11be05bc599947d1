"""`python main.py purge-tokens`, the periodic job: it deletes the refresh tokens that can no
longer matter (expired; used past the reuse window) and keeps what theft detection needs."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select
from sqlmodel import col

from models import RefreshToken
from services import Services
from settings import Settings
from tests.api.test_account_sessions import refresh, token_version
from tests.data_api import stored_refresh, user_pk
from tests.processes import run_main
from tests.utils import Account, GraphQLClient, assert_error_code


async def stored(services: Services) -> set[str]:
    async with services.sessions() as session:
        return set((await session.scalars(select(col(RefreshToken.jti)))).all())


async def test_purge_tokens_deletes_what_can_no_longer_matter(
    gql: GraphQLClient, services: Services, settings: Settings, owner: Account
) -> None:
    # given refresh tokens of every kind
    pk = user_pk(owner)
    expired = await stored_refresh(services, pk, issued_ago=timedelta(days=15))
    expired_used = await stored_refresh(
        services, pk, issued_ago=timedelta(days=15), used_ago=timedelta(days=14)
    )
    used_hours_ago = await stored_refresh(
        services, pk, issued_ago=timedelta(hours=3), used_ago=timedelta(hours=2)
    )
    used_just_now = await stored_refresh(
        services, pk, issued_ago=timedelta(minutes=20), used_ago=timedelta(minutes=5)
    )
    live = await stored_refresh(services, pk, issued_ago=timedelta(minutes=5))

    # when the command runs with the default reuse window (the refresh lifetime)
    done = await run_main(["purge-tokens"], settings.database_url)
    # then only the expired rows went
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "purged 2 refresh tokens: 2 expired, 0 used"
    assert await stored(services) == {t.claims.jti for t in (used_hours_ago, used_just_now, live)}
    assert {expired.claims.jti, expired_used.claims.jti}.isdisjoint(await stored(services))

    # when it runs again with a one-hour window
    window = {"REFRESH_TOKEN_REUSE_WINDOW_SECONDS": "3600"}
    done = await run_main(["purge-tokens"], settings.database_url, env=window)
    # then the token used two hours ago went too
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "purged 1 refresh tokens: 0 expired, 1 used"
    assert await stored(services) == {used_just_now.claims.jti, live.claims.jti}

    # and a replay of the purged one is only refused (no row, no signal)
    assert_error_code(await refresh(gql, used_hours_ago.token), "UNAUTHENTICATED")
    assert await token_version(services, owner) == 0
    # while a replay of the one used inside the window is still taken for theft
    assert_error_code(await refresh(gql, used_just_now.token), "UNAUTHENTICATED")
    assert await token_version(services, owner) == 1


async def test_purge_tokens_on_nothing_to_purge(settings: Settings, services: Services) -> None:
    done = await run_main(["purge-tokens"], settings.database_url)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "purged 0 refresh tokens: 0 expired, 0 used"
