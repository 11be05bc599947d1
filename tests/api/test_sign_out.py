"""Ending sessions: signOut ends one chain of refresh tokens, signOutEverywhere every session;
dead refresh tokens are purged off the request path (the command: tests/ops/test_purge_tokens.py).
"""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlmodel import col

from models import RefreshToken
from resolvers.sessions import purge_refresh_tokens
from services import Services
from settings import Settings
from tests.api.test_account_sessions import (
    BAD_TOKENS,
    assert_signed_out,
    refresh,
    sign_in,
    token_version,
    user_pk,
)
from tests.data_api import stored_refresh
from tests.documents import ME, SIGN_OUT, SIGN_OUT_EVERYWHERE
from tests.utils import Account, GraphQLClient, assert_error_code, assert_no_errors

SIGN_OUT_EVERYWHERE_THEN_WRITE = """
mutation {
  a: signOutEverywhere
  b: createRefBook(input: {author: "A", title: "T"}) { id }
}
"""
SIGN_OUT_EVERYWHERE_TWICE = "mutation { a: signOutEverywhere b: signOutEverywhere }"


async def sign_out(gql: GraphQLClient, refresh_token: str, **kwargs: Any) -> dict[str, Any]:
    return await gql(SIGN_OUT, {"refreshToken": refresh_token}, **kwargs)


async def rotate(gql: GraphQLClient, refresh_token: str) -> dict[str, Any]:
    pair: dict[str, Any] = assert_no_errors(await refresh(gql, refresh_token))["refreshToken"]
    return pair


async def stored_jtis(services: Services) -> set[str]:
    async with services.sessions() as session:
        return set((await session.scalars(select(col(RefreshToken.jti)))).all())


# ---- signOut -------------------------------------------------------------------------------


async def test_sign_out_ends_the_whole_chain_and_nothing_else(
    gql: GraphQLClient, services: Services, alice: Account
) -> None:
    # given alice's session rotated twice (T0 -> T1 -> T2), and a second session of hers
    t1 = await rotate(gql, alice.refresh_token)
    t2 = await rotate(gql, t1["refreshToken"])
    other = assert_no_errors(await sign_in(gql, "alice", alice.password))["signIn"]
    # when she signs out with her newest refresh token
    assert assert_no_errors(await sign_out(gql, t2["refreshToken"]))["signOut"] is True
    # then no token of that chain refreshes, the newest included
    for token in (t2["refreshToken"], t1["refreshToken"], alice.refresh_token):
        assert_error_code(await refresh(gql, token), "UNAUTHENTICATED")
    # and the replays were no theft signal: the other session goes on
    assert await token_version(services, alice) == 0
    assert_no_errors(await gql(ME, token=other["accessToken"]))
    assert_no_errors(await refresh(gql, other["refreshToken"]))


async def test_sign_out_with_an_older_token_of_the_chain_ends_the_chain(
    gql: GraphQLClient, services: Services, alice: Account
) -> None:
    # given alice rotated once, so her first refresh token is used
    t1 = await rotate(gql, alice.refresh_token)
    # when a client still holding the used one signs out with it
    assert assert_no_errors(await sign_out(gql, alice.refresh_token))["signOut"] is True
    # then the newer token of the chain is dead too, and no theft was assumed
    assert_error_code(await refresh(gql, t1["refreshToken"]), "UNAUTHENTICATED")
    assert await token_version(services, alice) == 0


async def test_sign_out_twice_is_true_both_times(gql: GraphQLClient, alice: Account) -> None:
    # when alice signs out twice with the same refresh token
    first = assert_no_errors(await sign_out(gql, alice.refresh_token))
    second = assert_no_errors(await sign_out(gql, alice.refresh_token))
    # then both answer true, and the token stays dead
    assert first["signOut"] is True and second["signOut"] is True
    assert_error_code(await refresh(gql, alice.refresh_token), "UNAUTHENTICATED")


@pytest.mark.parametrize("header", ["expired", "garbage", "none"])
async def test_sign_out_needs_no_valid_access_token(
    gql: GraphQLClient, settings: Settings, alice: Account, bob: Account, header: str
) -> None:
    # given an access token of alice's that expired, a broken one, or none at all
    expired = BAD_TOKENS["expired"](settings.secret_key, user_pk(alice), 0, "access", alice.token)
    access = {"expired": expired, "garbage": "not-a-jwt", "none": None}[header]
    # when she signs out with her refresh token
    body = await sign_out(gql, alice.refresh_token, token=access)
    # then it works: the refresh token is the credential
    assert assert_no_errors(body)["signOut"] is True
    assert_error_code(await refresh(gql, alice.refresh_token), "UNAUTHENTICATED")


async def test_sign_out_with_an_expired_refresh_token_still_ends_its_chain(
    gql: GraphQLClient, services: Services, alice: Account
) -> None:
    # given a chain whose first token expired (used long ago) and whose newest one is live
    first = await stored_refresh(
        services, user_pk(alice), issued_ago=timedelta(days=15), used_ago=timedelta(days=14)
    )
    live = await stored_refresh(services, user_pk(alice), family=first.claims.jti)
    assert_error_code(await refresh(gql, first.token), "UNAUTHENTICATED")
    # when a client signs out with the expired one
    assert assert_no_errors(await sign_out(gql, first.token))["signOut"] is True
    # then the live token of its chain is dead too
    assert_error_code(await refresh(gql, live.token), "UNAUTHENTICATED")
    assert {first.claims.jti, live.claims.jti}.isdisjoint(await stored_jtis(services))


@pytest.mark.parametrize("kind", [k for k in BAD_TOKENS if k != "expired"])
async def test_sign_out_with_a_token_the_service_did_not_sign_is_unauthenticated(
    gql: GraphQLClient, settings: Settings, alice: Account, bob: Account, kind: str
) -> None:
    # given refresh tokens forged for alice, or hers changed to name bob
    bad = BAD_TOKENS[kind](
        settings.secret_key, user_pk(alice), user_pk(bob), "refresh", alice.refresh_token
    )
    # when someone signs out with one
    assert_error_code(await sign_out(gql, bad), "UNAUTHENTICATED")
    # then both sessions go on
    assert_no_errors(await refresh(gql, alice.refresh_token))
    assert_no_errors(await refresh(gql, bob.refresh_token))


async def test_an_access_token_is_no_refresh_token_for_sign_out(
    gql: GraphQLClient, alice: Account
) -> None:
    assert_error_code(await sign_out(gql, alice.token), "UNAUTHENTICATED")
    assert_no_errors(await refresh(gql, alice.refresh_token))


async def test_sign_out_races_a_refresh_of_the_same_token(
    gql: GraphQLClient, services: Services, alice: Account
) -> None:
    for round_ in range(8):
        # given a fresh chain of one token
        start = await stored_refresh(services, user_pk(alice))
        # when it is refreshed and signed out at the same moment (each sent first in turn)
        racers = [refresh(gql, start.token), sign_out(gql, start.token)]
        if round_ % 2:
            racers.reverse()
        answers = await asyncio.gather(*racers)
        refreshed, signed_out = answers if round_ % 2 == 0 else answers[::-1]
        # then the sign-out is true, and whatever the refresh got does not refresh again
        assert assert_no_errors(signed_out)["signOut"] is True
        if "errors" not in refreshed:
            newer = refreshed["data"]["refreshToken"]["refreshToken"]
            assert_error_code(await refresh(gql, newer), "UNAUTHENTICATED")
        assert_error_code(await refresh(gql, start.token), "UNAUTHENTICATED")
    # and none of it looked like theft
    assert await token_version(services, alice) == 0


# ---- signOutEverywhere ---------------------------------------------------------------------


async def test_sign_out_everywhere_ends_every_session(
    gql: GraphQLClient, services: Services, alice: Account, bob: Account
) -> None:
    # given alice signed in on a second device
    other = assert_no_errors(await sign_in(gql, "alice", alice.password))["signIn"]
    # when she signs out everywhere from the first
    body = await gql(SIGN_OUT_EVERYWHERE, token=alice.token)
    assert assert_no_errors(body)["signOutEverywhere"] is True
    # then both devices' tokens are dead, access and refresh alike
    await assert_signed_out(gql, alice.token, alice.refresh_token)
    await assert_signed_out(gql, other["accessToken"], other["refreshToken"])
    assert await token_version(services, alice) == 1
    # and bob's session is untouched, and alice can sign in again
    assert_no_errors(await gql(ME, token=bob.token))
    fresh = assert_no_errors(await sign_in(gql, "alice", alice.password))["signIn"]
    assert_no_errors(await gql(ME, token=fresh["accessToken"]))


async def test_fields_after_sign_out_everywhere_run_as_nobody(
    gql: GraphQLClient, services: Services, alice: Account
) -> None:
    # when one document signs out everywhere and then writes with the same token
    body = await gql(SIGN_OUT_EVERYWHERE_THEN_WRITE, token=alice.token)
    # then the write is refused as unauthenticated (the non-null field nulls the answer)
    assert [(e["path"], e["extensions"]["code"]) for e in body["errors"]] == [
        (["b"], "UNAUTHENTICATED")
    ]
    # and the sign-out happened, and nothing was written
    assert await token_version(services, alice) == 1
    fresh = assert_no_errors(await sign_in(gql, "alice", alice.password))["signIn"]
    books = await gql("query { refBooks { totalCount } }", token=fresh["accessToken"])
    assert assert_no_errors(books)["refBooks"]["totalCount"] == 0


async def test_sign_out_everywhere_twice_in_one_document_bumps_once(
    gql: GraphQLClient, services: Services, alice: Account
) -> None:
    body = await gql(SIGN_OUT_EVERYWHERE_TWICE, token=alice.token)
    assert [(e["path"], e["extensions"]["code"]) for e in body["errors"]] == [
        (["b"], "UNAUTHENTICATED")
    ]
    assert await token_version(services, alice) == 1


async def test_sign_out_everywhere_needs_a_current_access_token(
    gql: GraphQLClient, services: Services, alice: Account
) -> None:
    # without a token, or with a revoked one, it is UNAUTHENTICATED and revokes nothing more
    assert_error_code(await gql(SIGN_OUT_EVERYWHERE), "UNAUTHENTICATED")
    assert_error_code(await gql(SIGN_OUT_EVERYWHERE, token=alice.refresh_token), "UNAUTHENTICATED")
    assert await token_version(services, alice) == 0
    assert_no_errors(await gql(SIGN_OUT_EVERYWHERE, token=alice.token))
    assert_error_code(await gql(SIGN_OUT_EVERYWHERE, token=alice.token), "UNAUTHENTICATED")
    assert await token_version(services, alice) == 1


# ---- purge ---------------------------------------------------------------------------------


async def test_sign_in_never_purges(gql: GraphQLClient, services: Services, alice: Account) -> None:
    # given an expired refresh token's row
    old = await stored_refresh(services, user_pk(alice), issued_ago=timedelta(days=20))
    # when alice signs in again
    assert_no_errors(await sign_in(gql, "alice", alice.password))
    # then the row is still there: purging is the periodic job's work
    assert old.claims.jti in await stored_jtis(services)


async def test_purge_deletes_in_batches_until_nothing_is_left(
    services: Services, alice: Account
) -> None:
    # given alice's live row and seven expired ones
    live = await stored_jtis(services)
    expired = [
        await stored_refresh(services, user_pk(alice), issued_ago=timedelta(days=15))
        for _ in range(7)
    ]
    # when the purge runs in batches of two
    purged = await purge_refresh_tokens(services, batch=2)
    # then every expired row went (four batches), and only they
    assert (purged.expired, purged.used) == (7, 0)
    assert await stored_jtis(services) == live
    assert not {t.claims.jti for t in expired} & live


async def test_a_used_token_inside_the_reuse_window_still_detects_theft(
    gql: GraphQLClient, services: Services, alice: Account
) -> None:
    # given alice rotated her token, and the purge ran (default window: the refresh lifetime)
    await rotate(gql, alice.refresh_token)
    purged = await purge_refresh_tokens(services)
    assert purged.total == 0
    async with services.sessions() as session:
        count = await session.scalar(select(func.count()).select_from(RefreshToken))
    assert count == 2
    # when the used token is replayed, then it is still taken for theft
    assert_error_code(await refresh(gql, alice.refresh_token), "UNAUTHENTICATED")
    assert await token_version(services, alice) == 1
