"""Accounts: sign-up rules, sign-in, `me`, the token claims, password hashing, create-admin.

Token rotation, password change and account deletion are in test_account_sessions.py.
"""

from __future__ import annotations

from typing import Any

import jwt
import pytest
from argon2 import PasswordHasher, Type, extract_parameters
from argon2.exceptions import VerifyMismatchError
from sqlalchemy import func, select, update
from sqlmodel import col

from auth import passwords
from models import User
from resolvers.ids import pk_of
from services import Services
from settings import Settings
from tests.documents import (
    CREATE_PUBLIC_SCRIPT,
    ME,
    SIGN_IN,
    SIGN_UP,
)
from tests.processes import create_admin
from tests.utils import Account, GraphQLClient, assert_error_code, assert_no_errors

VALID = {"username": "carol", "email": "carol@example.com", "password": "correct-horse-1"}
PUBLIC_SCRIPT_INPUT = {"name": "Intro", "description": "How to start", "scripts": ["Hello"]}


async def count_users(services: Services) -> int:
    async with services.sessions() as session:
        return int(await session.scalar(select(func.count()).select_from(User)) or 0)


async def sign_up(gql: GraphQLClient, **changes: str) -> dict[str, Any]:
    return await gql(SIGN_UP, {"input": {**VALID, **changes}})


# ---- signUp --------------------------------------------------------------------------------


async def test_sign_up_returns_the_new_user(gql: GraphQLClient, services: Services) -> None:
    # when someone signs up
    user = assert_no_errors(await sign_up(gql))["signUp"]
    # then they get a plain (non-admin) account with what they gave
    assert pk_of(user["id"], "User") is not None
    assert (user["username"], user["email"]) == ("carol", "carol@example.com")
    assert user["isAdmin"] is False
    assert user["usingToken"] == 0
    assert await count_users(services) == 1


@pytest.mark.parametrize(
    "username", ["x", "A" * 20, "Ab9@.+-_", "MiXeD.Case"], ids=["1", "20", "punct", "case"]
)
async def test_sign_up_accepts_usernames_at_the_edges_and_keeps_them_as_given(
    gql: GraphQLClient, username: str
) -> None:
    user = assert_no_errors(await sign_up(gql, username=username))["signUp"]
    assert user["username"] == username


@pytest.mark.parametrize(
    ("field", "changes"),
    [
        ("username", {"username": ""}),
        ("username", {"username": "A" * 21}),
        ("username", {"username": "carol smith"}),
        ("username", {"username": "carol!"}),
        ("username", {"username": "café"}),
        ("username", {"username": "카롤"}),
        ("email", {"email": "not-an-email"}),
        ("email", {"email": "carol@"}),
        ("email", {"email": "@example.com"}),
        ("email", {"email": "carol @example.com"}),
        ("email", {"email": "c" * 243 + "@example.com"}),
        ("password", {"password": "short-1"}),
        ("password", {"password": "1234567890"}),
        ("password", {"username": "Carolina1", "password": "cAROLINA1"}),
    ],
    ids=[
        "username-empty",
        "username-21",
        "username-space",
        "username-bang",
        "username-accent",
        "username-korean",
        "email-plain",
        "email-no-domain",
        "email-no-local",
        "email-space",
        "email-255",
        "password-7",
        "password-digits",
        "password-is-username",
    ],
)
async def test_sign_up_rule_breaks_are_bad_user_input_on_that_field_and_store_nothing(
    gql: GraphQLClient, services: Services, field: str, changes: dict[str, str]
) -> None:
    # when one rule is broken
    error = assert_error_code(await sign_up(gql, **changes), "BAD_USER_INPUT", field)
    # then only that field is reported, and no account exists
    assert set(error["extensions"]["fields"]) == {field}
    assert await count_users(services) == 0


async def test_sign_up_reports_every_broken_rule_at_once(gql: GraphQLClient) -> None:
    body = await sign_up(gql, username="bad name", email="nope", password="1234")
    error = assert_error_code(body, "BAD_USER_INPUT")
    assert set(error["extensions"]["fields"]) == {"username", "email", "password"}


@pytest.mark.parametrize(
    ("field", "changes"),
    [
        ("username", {"username": "CAROL", "email": "other@example.com"}),
        ("email", {"username": "other", "email": "Carol@EXAMPLE.com"}),
    ],
    ids=["username", "email"],
)
async def test_sign_up_duplicates_ignoring_case_are_bad_user_input(
    gql: GraphQLClient, services: Services, field: str, changes: dict[str, str]
) -> None:
    # given carol
    assert_no_errors(await sign_up(gql))
    # when someone signs up with her name or address in another case
    error = assert_error_code(await sign_up(gql, **changes), "BAD_USER_INPUT", field)
    # then it is refused on that field and only carol exists
    assert set(error["extensions"]["fields"]) == {field}
    assert await count_users(services) == 1


# ---- signIn and me -------------------------------------------------------------------------


async def test_sign_in_returns_a_working_pair(gql: GraphQLClient) -> None:
    # given carol
    user = assert_no_errors(await sign_up(gql))["signUp"]
    # when she signs in
    body = await gql(SIGN_IN, {"input": {"username": "carol", "password": VALID["password"]}})
    pair = assert_no_errors(body)["signIn"]
    # then she gets a 15-minute access token, a refresh token and herself
    assert pair["expiresIn"] == 900
    assert pair["user"] == user and user["username"] == "carol" and not user["isAdmin"]
    assert pair["accessToken"] and pair["refreshToken"]
    assert pair["accessToken"] != pair["refreshToken"]
    me = assert_no_errors(await gql(ME, token=pair["accessToken"]))["me"]
    assert me == user


async def test_unknown_user_and_wrong_password_fail_the_same_way(gql: GraphQLClient) -> None:
    # given carol
    assert_no_errors(await sign_up(gql))
    # when a stranger and a wrong password try to sign in
    unknown = await gql(SIGN_IN, {"input": {"username": "mallory", "password": "correct-horse-1"}})
    wrong = await gql(SIGN_IN, {"input": {"username": "carol", "password": "wrong-horse-1"}})
    # then both get the same UNAUTHENTICATED error and nothing else
    unknown_error = assert_error_code(unknown, "UNAUTHENTICATED")
    wrong_error = assert_error_code(wrong, "UNAUTHENTICATED")
    assert unknown_error["message"] == wrong_error["message"]
    assert unknown_error["extensions"] == wrong_error["extensions"] == {"code": "UNAUTHENTICATED"}
    assert unknown["data"] is None and wrong["data"] is None


@pytest.mark.parametrize("token", [None, "garbage", "Bearer", "a.b.c"])
async def test_me_without_a_valid_token_is_unauthenticated(
    gql: GraphQLClient, services: Services, token: str | None
) -> None:
    assert_error_code(await gql(ME, token=token), "UNAUTHENTICATED")


async def test_token_claims(gql: GraphQLClient, settings: Settings, alice: Account) -> None:
    # when alice's tokens are decoded with the service key
    access_header = jwt.get_unverified_header(alice.token)
    access = jwt.decode(alice.token, settings.secret_key, algorithms=["HS256"])
    refresh = jwt.decode(alice.refresh_token, settings.secret_key, algorithms=["HS256"])
    # then both are HS256 with every claim docs/design.md "Auth" names
    assert access_header["alg"] == "HS256"
    assert jwt.get_unverified_header(alice.refresh_token)["alg"] == "HS256"
    for claims in (access, refresh):
        assert {"sub", "type", "iat", "exp", "jti", "ver"} <= set(claims)
        assert claims["sub"] == str(pk_of(alice.id, "User"))
        assert claims["ver"] == 0
    assert (access["type"], refresh["type"]) == ("access", "refresh")
    assert access["exp"] - access["iat"] == 15 * 60
    assert refresh["exp"] - refresh["iat"] == 14 * 24 * 3600
    assert access["jti"] != refresh["jti"]


# ---- password hashing ----------------------------------------------------------------------


async def test_passwords_are_stored_as_argon2id(
    gql: GraphQLClient, services: Services, alice: Account
) -> None:
    async with services.sessions() as session:
        stored = await session.scalar(
            select(col(User.password_hash)).where(col(User.username) == "alice")
        )
    assert stored is not None and alice.password not in stored
    assert extract_parameters(stored).type is Type.ID
    assert await passwords.verify_password(stored, alice.password) is True
    assert await passwords.verify_password(stored, "wrong-horse-1") is False


async def test_a_hash_of_older_parameters_is_upgraded_at_sign_in(
    gql: GraphQLClient, services: Services, alice: Account
) -> None:
    # given alice's password stored with weaker argon2 parameters than today's
    weak = PasswordHasher(time_cost=1, memory_cost=8 * 1024, parallelism=1).hash(alice.password)
    async with services.sessions.begin() as session:
        await session.execute(
            update(User).where(col(User.username) == "alice").values(password_hash=weak)
        )
    # when she signs in
    body = await gql(SIGN_IN, {"input": {"username": "alice", "password": alice.password}})
    assert_no_errors(body)
    # then the stored hash has today's parameters and still takes her password
    async with services.sessions() as session:
        stored = await session.scalar(
            select(col(User.password_hash)).where(col(User.username) == "alice")
        )
    assert stored is not None and stored != weak
    assert not passwords.needs_rehash(stored)
    assert await passwords.verify_password(stored, alice.password) is True


async def test_unknown_user_check_costs_a_full_argon2id_verification() -> None:
    # An unknown username is checked against a dummy hash: it must never succeed, and it
    # must be a well-formed argon2id hash with the real parameters, so that verifying it
    # runs the same computation (a malformed one would fail fast and leak by its timing).
    assert await passwords.verify_password(None, "correct-horse-1") is False
    dummy = passwords._dummy_hash()
    real = PasswordHasher(
        time_cost=passwords.TIME_COST,
        memory_cost=passwords.MEMORY_COST_KIB,
        parallelism=passwords.PARALLELISM,
    ).hash("correct-horse-1")
    assert extract_parameters(dummy) == extract_parameters(real)
    assert extract_parameters(dummy).type is Type.ID
    assert extract_parameters(await passwords.hash_password("x" * 8)) == extract_parameters(dummy)
    with pytest.raises(VerifyMismatchError):
        PasswordHasher().verify(dummy, "correct-horse-1")


# ---- create-admin (the command line, a real process) ---------------------------------------


async def test_create_admin_command_makes_an_admin_who_can_publish(
    gql: GraphQLClient, services: Services, settings: Settings
) -> None:
    # when an operator runs create-admin
    done = await create_admin(settings.database_url, "root", "root@example.com", "admin-pass-1")
    assert done.returncode == 0, done.stderr
    # then that admin can sign in and write public scripts
    body = await gql(SIGN_IN, {"input": {"username": "root", "password": "admin-pass-1"}})
    pair = assert_no_errors(body)["signIn"]
    assert pair["user"]["isAdmin"] is True
    created = await gql(
        CREATE_PUBLIC_SCRIPT, {"input": PUBLIC_SCRIPT_INPUT}, token=pair["accessToken"]
    )
    assert assert_no_errors(created)["createPublicScript"]["name"] == "Intro"


async def test_create_admin_command_promotes_an_existing_user(
    gql: GraphQLClient, services: Services, settings: Settings, bob: Account
) -> None:
    # given bob, who may not write public scripts
    refused = await gql(CREATE_PUBLIC_SCRIPT, {"input": PUBLIC_SCRIPT_INPUT}, token=bob.token)
    assert_error_code(refused, "FORBIDDEN")
    # when create-admin is run for him
    done = await create_admin(settings.database_url, "bob", "bob@example.com", "ignored-pass-1")
    assert done.returncode == 0, done.stderr
    # then he is an admin (no second account) and his session can publish
    assert assert_no_errors(await gql(ME, token=bob.token))["me"]["isAdmin"] is True
    assert await count_users(services) == 1
    created = await gql(CREATE_PUBLIC_SCRIPT, {"input": PUBLIC_SCRIPT_INPUT}, token=bob.token)
    assert_no_errors(created)
    # and his password is unchanged
    assert_no_errors(await gql(SIGN_IN, {"input": {"username": "bob", "password": bob.password}}))


async def test_create_admin_command_refuses_a_username_and_email_of_two_accounts(
    gql: GraphQLClient, services: Services, settings: Settings, alice: Account, bob: Account
) -> None:
    # when create-admin names alice by username and bob by email
    done = await create_admin(settings.database_url, "alice", "bob@example.com", "ignored-pass-1")
    # then it refuses, and nobody became an admin
    assert done.returncode != 0
    assert "two different accounts" in done.stderr
    for account in (alice, bob):
        assert assert_no_errors(await gql(ME, token=account.token))["me"]["isAdmin"] is False


async def test_create_admin_command_refuses_a_weak_password(
    services: Services, settings: Settings
) -> None:
    done = await create_admin(settings.database_url, "root", "root@example.com", "12345678")
    assert done.returncode != 0
    assert "password" in done.stderr
    assert await count_users(services) == 0
