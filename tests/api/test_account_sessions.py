"""Sessions end as docs/design.md "Auth" says: refresh rotation and theft detection, password
change, account deletion with its cascades. Forged and expired tokens never get through.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import jwt
import pytest
from sqlalchemy import func, select
from sqlmodel import SQLModel, col

from auth import tokens
from models import (
    PublicScript,
    RefBook,
    RefData,
    RefDataContent,
    RefreshToken,
    SystemInfo,
    SystemInfoRefBook,
    SystemInfoRefData,
    User,
)
from resolvers.ids import pk_of
from services import Services
from settings import Settings
from tests.data_api import seed_owned
from tests.documents import (
    CHANGE_PASSWORD,
    CREATE_PUBLIC_SCRIPT,
    DELETE_ACCOUNT,
    ME,
    PUBLIC_SCRIPT,
    REF_BOOKS,
    REFRESH_TOKEN,
    SIGN_IN,
)
from tests.utils import Account, GraphQLClient, assert_error_code, assert_no_errors, sign_up_and_in

NEW_PASSWORD = "battery-staple-2"


def user_pk(account: Account) -> int:
    pk = pk_of(account.id, "User")
    assert pk is not None
    return pk


async def refresh(gql: GraphQLClient, token: str) -> dict[str, Any]:
    return await gql(REFRESH_TOKEN, {"refreshToken": token})


async def sign_in(gql: GraphQLClient, username: str, password: str) -> dict[str, Any]:
    return await gql(SIGN_IN, {"input": {"username": username, "password": password}})


async def token_version(services: Services, account: Account) -> int:
    async with services.sessions() as session:
        version = await session.scalar(
            select(col(User.token_version)).where(col(User.id) == user_pk(account))
        )
    assert version is not None
    return int(version)


async def assert_signed_out(gql: GraphQLClient, access: str, refresh_token: str) -> None:
    assert_error_code(await gql(ME, token=access), "UNAUTHENTICATED")
    assert_error_code(await refresh(gql, refresh_token), "UNAUTHENTICATED")


# ---- refreshToken --------------------------------------------------------------------------


async def test_refresh_returns_a_new_working_pair(gql: GraphQLClient, alice: Account) -> None:
    # when alice trades her refresh token
    pair = assert_no_errors(await refresh(gql, alice.refresh_token))["refreshToken"]
    # then she gets a new pair for herself that works
    assert pair["user"]["id"] == alice.id
    assert pair["expiresIn"] == 900
    assert pair["refreshToken"] != alice.refresh_token
    assert pair["accessToken"] != alice.token
    assert assert_no_errors(await gql(ME, token=pair["accessToken"]))["me"]["id"] == alice.id
    # and the new refresh token rotates again
    assert_no_errors(await refresh(gql, pair["refreshToken"]))


async def test_reused_refresh_token_ends_every_session(
    gql: GraphQLClient, services: Services, alice: Account
) -> None:
    # given alice rotated her refresh token once
    pair = assert_no_errors(await refresh(gql, alice.refresh_token))["refreshToken"]
    # when the old refresh token is presented again (it leaked: RFC 9700)
    assert_error_code(await refresh(gql, alice.refresh_token), "UNAUTHENTICATED")
    # then her token version moved on and even the newest pair stops working
    assert await token_version(services, alice) == 1
    await assert_signed_out(gql, pair["accessToken"], pair["refreshToken"])
    # and signing in again gives a pair of the new version that works
    fresh = assert_no_errors(await sign_in(gql, "alice", alice.password))["signIn"]
    assert jwt.decode(fresh["accessToken"], options={"verify_signature": False})["ver"] == 1
    assert_no_errors(await gql(ME, token=fresh["accessToken"]))


async def test_access_token_is_not_a_refresh_token_and_vice_versa(
    gql: GraphQLClient, services: Services, alice: Account
) -> None:
    assert_error_code(await refresh(gql, alice.token), "UNAUTHENTICATED")
    assert_error_code(await gql(ME, token=alice.refresh_token), "UNAUTHENTICATED")
    # a wrong-type token is not a replay: nothing was revoked
    assert await token_version(services, alice) == 0
    assert_no_errors(await gql(ME, token=alice.token))


def _tamper(token: str, **claims: Any) -> str:
    """The same signature over a changed payload."""
    header, payload, signature = token.split(".")
    decoded = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    changed = base64.urlsafe_b64encode(json.dumps({**decoded, **claims}).encode())
    return f"{header}.{changed.decode().rstrip('=')}.{signature}"


def _issue(key: str, user: int, type_: Any, ttl: timedelta, ago: timedelta) -> str:
    return tokens.issue(key, user, 0, type_, ttl, now=datetime.now(UTC) - ago).token


# Each builds, from (service key, victim's id, other user's id, token type, a real token of
# that type), a bad token; none may ever be accepted.
BAD_TOKENS: dict[str, Callable[[str, int, int, str, str], str]] = {
    "expired": lambda key, user, other, type_, real: _issue(
        key, user, type_, timedelta(minutes=15), timedelta(hours=1)
    ),
    "other-key": lambda key, user, other, type_, real: _issue(
        "another-key-of-an-attacker-0123456789abcdef", user, type_, timedelta(hours=1), timedelta()
    ),
    "alg-none": lambda key, user, other, type_, real: jwt.encode(
        jwt.decode(real, options={"verify_signature": False}), "", algorithm="none"
    ),
    "tampered-sub": lambda key, user, other, type_, real: _tamper(real, sub=str(other)),
    "tampered-exp": lambda key, user, other, type_, real: _tamper(
        real, exp=int(datetime.now(UTC).timestamp()) + 10**6
    ),
    "not-a-jwt": lambda key, user, other, type_, real: "not-a-jwt",
}


@pytest.mark.parametrize("kind", BAD_TOKENS)
async def test_bad_tokens_are_unauthenticated(
    gql: GraphQLClient, settings: Settings, bob: Account, alice: Account, kind: str
) -> None:
    # given tokens forged or expired for alice, or hers changed to name bob
    make = BAD_TOKENS[kind]
    victim, other = user_pk(alice), user_pk(bob)
    bad_access = make(settings.secret_key, victim, other, "access", alice.token)
    bad_refresh = make(settings.secret_key, victim, other, "refresh", alice.refresh_token)
    # then neither opens a session
    assert_error_code(await gql(ME, token=bad_access), "UNAUTHENTICATED")
    assert_error_code(await refresh(gql, bad_refresh), "UNAUTHENTICATED")


async def test_refresh_token_never_issued_is_unauthenticated_and_revokes_nothing(
    gql: GraphQLClient, services: Services, settings: Settings, alice: Account
) -> None:
    # given a correctly signed refresh token whose jti the service never stored
    forged = _issue(settings.secret_key, user_pk(alice), "refresh", timedelta(days=1), timedelta())
    # then it is refused, and alice's real session goes on
    assert_error_code(await refresh(gql, forged), "UNAUTHENTICATED")
    assert await token_version(services, alice) == 0
    assert_no_errors(await refresh(gql, alice.refresh_token))


# ---- changePassword ------------------------------------------------------------------------


async def change_password(gql: GraphQLClient, account: Account, current: str, new: str) -> Any:
    variables = {"input": {"currentPassword": current, "newPassword": new}}
    return await gql(CHANGE_PASSWORD, variables, token=account.token)


async def test_change_password_with_wrong_current_password_is_bad_user_input(
    gql: GraphQLClient, alice: Account
) -> None:
    body = await change_password(gql, alice, "wrong-horse-1", NEW_PASSWORD)
    error = assert_error_code(body, "BAD_USER_INPUT", "currentPassword")
    assert set(error["extensions"]["fields"]) == {"currentPassword"}
    # not UNAUTHENTICATED: her session goes on, her password is unchanged
    assert_no_errors(await gql(ME, token=alice.token))
    assert_no_errors(await sign_in(gql, "alice", alice.password))


@pytest.mark.parametrize("new", ["short-1", "1234567890", "CAROLINA9"])
async def test_change_password_to_a_bad_one_is_bad_user_input(gql: GraphQLClient, new: str) -> None:
    # given carolina9 (a username long enough to be a password)
    carolina = await sign_up_and_in(gql, "carolina9")
    # when she picks a password that breaks a rule
    body = await change_password(gql, carolina, carolina.password, new)
    # then it is refused on newPassword and the old one still works
    assert_error_code(body, "BAD_USER_INPUT", "newPassword")
    assert_error_code(await sign_in(gql, "carolina9", new), "UNAUTHENTICATED")
    assert_no_errors(await sign_in(gql, "carolina9", carolina.password))
    assert_no_errors(await gql(ME, token=carolina.token))


async def test_change_password_revokes_every_older_token(
    gql: GraphQLClient, alice: Account
) -> None:
    # given alice signed in on a second device too
    other = assert_no_errors(await sign_in(gql, "alice", alice.password))["signIn"]
    # when she changes her password
    body = await change_password(gql, alice, alice.password, NEW_PASSWORD)
    pair = assert_no_errors(body)["changePassword"]
    # then the new pair works
    assert pair["user"]["id"] == alice.id and pair["expiresIn"] == 900
    assert_no_errors(await gql(ME, token=pair["accessToken"]))
    # and every token issued before it is dead, on both devices
    await assert_signed_out(gql, alice.token, alice.refresh_token)
    await assert_signed_out(gql, other["accessToken"], other["refreshToken"])
    # and only the new password signs in
    assert_error_code(await sign_in(gql, "alice", alice.password), "UNAUTHENTICATED")
    assert_no_errors(await sign_in(gql, "alice", NEW_PASSWORD))
    assert_no_errors(await refresh(gql, pair["refreshToken"]))


async def test_a_revoked_refresh_token_replayed_does_not_end_the_new_session(
    gql: GraphQLClient, alice: Account
) -> None:
    # given alice changed her password, so her old refresh token is revoked
    pair = assert_no_errors(await change_password(gql, alice, alice.password, NEW_PASSWORD))[
        "changePassword"
    ]
    # when someone presents the old refresh token twice
    assert_error_code(await refresh(gql, alice.refresh_token), "UNAUTHENTICATED")
    assert_error_code(await refresh(gql, alice.refresh_token), "UNAUTHENTICATED")
    # then the session made by the password change lives on: a dead token is no theft signal
    assert_no_errors(await gql(ME, token=pair["accessToken"]))
    assert_no_errors(await refresh(gql, pair["refreshToken"]))


# ---- deleteAccount -------------------------------------------------------------------------


async def rows_of(services: Services, table: type[SQLModel], *where: Any) -> int:
    async with services.sessions() as session:
        return int(await session.scalar(select(func.count()).select_from(table).where(*where)) or 0)


async def test_delete_account_with_wrong_password_is_bad_user_input(
    gql: GraphQLClient, services: Services, alice: Account
) -> None:
    body = await gql(DELETE_ACCOUNT, {"password": "wrong-horse-1"}, token=alice.token)
    error = assert_error_code(body, "BAD_USER_INPUT", "password")
    assert set(error["extensions"]["fields"]) == {"password"}
    assert await rows_of(services, User) == 1
    assert_no_errors(await gql(ME, token=alice.token))


async def test_delete_account_removes_the_user_and_everything_they_own(
    gql: GraphQLClient, services: Services, alice: Account, bob: Account
) -> None:
    # given alice and bob each own a book, a material and a profile linking both
    await seed_owned(gql, alice, "A")
    await seed_owned(gql, bob, "B")
    alice_pk = user_pk(alice)
    # when alice deletes her account
    body = await gql(DELETE_ACCOUNT, {"password": alice.password}, token=alice.token)
    # then she gets her own id back
    assert assert_no_errors(body)["deleteAccount"] == alice.id
    # and nothing of hers remains, while all of bob's does
    for table in (RefBook, RefData, SystemInfo, RefreshToken):
        assert await rows_of(services, table, col(table.user_id) == alice_pk) == 0, table
        assert await rows_of(services, table, col(table.user_id) == user_pk(bob)) >= 1, table
    for link in (RefDataContent, SystemInfoRefBook, SystemInfoRefData):
        assert await rows_of(services, link) == 1, link
    assert await rows_of(services, User) == 1
    books = assert_no_errors(await gql(REF_BOOKS, token=bob.token))["refBooks"]
    assert books["totalCount"] == 1
    # and her old tokens and password match no one
    await assert_signed_out(gql, alice.token, alice.refresh_token)
    assert_error_code(await sign_in(gql, "alice", alice.password), "UNAUTHENTICATED")


async def test_public_scripts_outlive_the_admin_who_wrote_them(
    gql: GraphQLClient, services: Services, admin: Account
) -> None:
    # given an admin's public script
    script_input = {"name": "Intro", "description": "Start here", "scripts": ["One", "Two"]}
    created = await gql(CREATE_PUBLIC_SCRIPT, {"input": script_input}, token=admin.token)
    script_id = assert_no_errors(created)["createPublicScript"]["id"]
    # when the admin deletes their account
    body = await gql(DELETE_ACCOUNT, {"password": admin.password}, token=admin.token)
    assert assert_no_errors(body)["deleteAccount"] == admin.id
    # then the script is still there for everyone, with no author
    script = assert_no_errors(await gql(PUBLIC_SCRIPT, {"id": script_id}))["publicScript"]
    assert script["name"] == "Intro"
    assert [s["text"] for s in script["scripts"]] == ["One", "Two"]
    assert await rows_of(services, PublicScript, col(PublicScript.user_id).is_(None)) == 1
    assert await rows_of(services, User) == 0


async def test_a_deleted_users_tokens_do_not_open_a_later_account(
    gql: GraphQLClient, alice: Account
) -> None:
    # given alice, the newest user, deleted her account
    body = await gql(DELETE_ACCOUNT, {"password": alice.password}, token=alice.token)
    assert_no_errors(body)
    # when someone signs up after her
    carol = await sign_up_and_in(gql, "carol")
    # then carol does not get alice's id, and alice's old tokens open nothing
    assert carol.id != alice.id
    await assert_signed_out(gql, alice.token, alice.refresh_token)
    assert assert_no_errors(await gql(ME, token=carol.token))["me"]["username"] == "carol"
