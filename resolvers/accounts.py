"""Accounts: sign-up, sign-in, token refresh and rotation, password change, deletion."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, cast

from sqlalchemy import CursorResult, delete, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from auth import tokens
from auth.passwords import hash_password, needs_rehash, password_problem, verify_password
from auth.throttle import Limit
from db.errors import violated_constraint
from models import RefreshToken, User, user_key
from models.types import utcnow
from resolvers.context import Context, user_of, users_where
from resolvers.entities import USER
from resolvers.errors import bad_input, rate_limited, unauthenticated
from resolvers.validation import USERNAME_RE, FieldErrors
from resolvers.writes import write

WRONG_CREDENTIALS = "Invalid username or password."
# The user table's unique constraints (unnamed: MySQL names them after their column).
_TAKEN = {
    "username_key": ("username", "This username is taken."),
    "email_key": ("email", "This email is already registered."),
}


@dataclass(frozen=True, slots=True)
class AuthResult:
    access_token: str
    refresh_token: str
    expires_in: int
    user: User


def validate_new_account(username: str, email: str, password: str) -> FieldErrors:
    """What is wrong with a new account's fields, before anything is looked up or hashed."""
    errors = FieldErrors()
    errors.username("username", username)
    errors.email("email", email)
    problem = password_problem(password, username)
    if problem:
        errors.add("password", problem)
    return errors


def new_user(username: str, email: str, password_hash: str, is_admin: bool = False) -> User:
    now = utcnow()
    return User(
        username=username,
        username_key=user_key(username),
        email=email,
        email_key=user_key(email),
        password_hash=password_hash,
        is_admin=is_admin,
        created_at=now,
        updated_at=now,
    )


async def sign_up(ctx: Context, username: str, email: str, password: str) -> User:
    ctx.spend_password_work()
    services = ctx.services
    # Every attempt counts, valid or not, before any work is done for it.
    wait = await services.throttle.reserve([(services.limits.sign_up_address, ctx.client_address)])
    if wait is not None:
        raise rate_limited(wait)

    errors = validate_new_account(username, email, password)
    errors.raise_if_any()

    async with ctx.reads() as connection:
        taken = (
            await connection.execute(
                select(col(User.username_key), col(User.email_key)).where(
                    (col(User.username_key) == user_key(username))
                    | (col(User.email_key) == user_key(email))
                )
            )
        ).all()
    for username_key, email_key in taken:
        if username_key == user_key(username):
            errors.add("username", "This username is taken.")
        if email_key == user_key(email):
            errors.add("email", "This email is already registered.")
    errors.raise_if_any()

    password_hash = await hash_password(password)

    async def insert(session: AsyncSession) -> User:
        user = new_user(username, email, password_hash)
        session.add(user)
        await session.flush()
        return user

    try:
        return await write(ctx, insert)
    except IntegrityError as error:
        # Lost a race with a concurrent sign-up of the same name or address: the unique
        # constraint that failed says which (MySQL names it, SQLite names its column).
        violation = violated_constraint(error)
        broken = violation and (violation.name or next(iter(violation.columns), None))
        if broken not in _TAKEN:
            raise
        field, message = _TAKEN[broken]
        raise bad_input({field: message}) from error


async def _issue_pair(
    session: AsyncSession, ctx: Context, user: User, family: str | None = None
) -> AuthResult:
    """A new access and refresh token; the refresh token continues chain `family`, or starts
    a chain of its own (sign-in, password change)."""
    services = ctx.services
    assert user.id is not None
    access = tokens.issue(
        services.signing_key, user.id, user.token_version, "access", services.access_ttl
    )
    refresh = tokens.issue(
        services.signing_key, user.id, user.token_version, "refresh", services.refresh_ttl
    )
    session.add(
        RefreshToken(
            jti=refresh.claims.jti,
            user_id=user.id,
            family=family or refresh.claims.jti,
            expires_at=refresh.claims.expires_at,
        )
    )
    return AuthResult(
        access_token=access.token,
        refresh_token=refresh.token,
        expires_in=services.settings.access_token_ttl_seconds,
        user=user,
    )


async def _reserve_password_check(ctx: Context, username: str) -> list[tuple[Limit, str]]:
    """Count this attempt as a failed sign-in (per username, per address) before its
    password is checked, atomically, so a parallel burst cannot outrun the limit. A right
    password gives the attempt back."""
    limits = ctx.services.limits
    checks = [
        (limits.sign_in_username, user_key(username)),
        (limits.sign_in_address, ctx.client_address),
    ]
    wait = await ctx.services.throttle.reserve(checks)
    if wait is not None:
        raise rate_limited(wait)
    return checks


async def sign_in(ctx: Context, username: str, password: str) -> AuthResult:
    ctx.spend_password_work()
    if not USERNAME_RE.fullmatch(username):
        # No account has such a name (the rule is public): nothing to check or to count, and
        # no throttle key made from whatever the client sent.
        raise unauthenticated(WRONG_CREDENTIALS)
    checks = await _reserve_password_check(ctx, username)
    try:
        async with ctx.reads() as connection:
            found = await connection.execute(
                users_where(col(User.username_key) == user_key(username))
            )
            user = user_of(found.first())
    except BaseException:
        # No password was checked (the database failed): the attempt does not count.
        await ctx.services.throttle.release(checks)
        raise
    # An unknown user still costs one hash, so both failures take the same time.
    if not await verify_password(user.password_hash if user else None, password) or user is None:
        raise unauthenticated(WRONG_CREDENTIALS)
    # Signed in: the username's failures are forgotten, and the address counts failures only.
    username_check, address_check = checks
    await ctx.services.throttle.clear(*username_check)
    await ctx.services.throttle.release([address_check])
    # A hash made with older argon2 parameters is replaced while the password is at hand.
    upgraded = await hash_password(password) if needs_rehash(user.password_hash) else None

    async def sign_in_user(session: AsyncSession) -> AuthResult:
        if upgraded is not None:
            await session.execute(
                update(User).where(col(User.id) == user.id).values(password_hash=upgraded)
            )
        return await _issue_pair(session, ctx, user)

    return await write(ctx, sign_in_user)


async def refresh(ctx: Context, refresh_token: str) -> AuthResult:
    try:
        claims = tokens.decode(ctx.services.signing_key, refresh_token, "refresh")
    except tokens.InvalidToken as error:
        raise unauthenticated("Invalid or expired refresh token.") from error

    async def rotate(session: AsyncSession) -> AuthResult | None:
        user = await session.scalar(select(User).where(col(User.id) == claims.user_id))
        if user is None or user.token_version != claims.version:
            # Already revoked (password change, earlier theft, deleted account): refusing
            # is enough, and a stale token must not end the sessions that replaced it.
            return None
        now = utcnow()
        marked = await session.execute(
            update(RefreshToken)
            .where(
                col(RefreshToken.jti) == claims.jti,
                col(RefreshToken.used_at).is_(None),
                col(RefreshToken.expires_at) > now,
            )
            .values(used_at=now)
        )
        if cast(CursorResult[Any], marked).rowcount == 1:
            # The new token continues the chain, so a sign-out with any of them ends it all.
            family = await session.scalar(
                select(col(RefreshToken.family)).where(col(RefreshToken.jti) == claims.jti)
            )
            return await _issue_pair(session, ctx, user, family)
        reused = await session.scalar(
            select(col(RefreshToken.jti)).where(
                col(RefreshToken.jti) == claims.jti,
                col(RefreshToken.used_at).is_not(None),
            )
        )
        if reused is not None:
            # RFC 9700: a replayed refresh token means it leaked; end every session.
            await session.execute(
                update(User)
                .where(
                    col(User.id) == claims.user_id,
                    col(User.token_version) == claims.version,
                )
                .values(token_version=col(User.token_version) + 1)
            )
        return None

    result = await write(ctx, rotate)
    if result is None:
        raise unauthenticated("Invalid or expired refresh token.")
    return result


async def change_password(ctx: Context, current_password: str, new_password: str) -> AuthResult:
    user = await ctx.require_caller()
    ctx.spend_password_work()
    errors = FieldErrors()
    problem = password_problem(new_password, user.username)
    if problem:
        errors.add("new_password", problem)
    checks = await _reserve_password_check(ctx, user.username)
    if await verify_password(user.password_hash, current_password):
        await ctx.services.throttle.release(checks)
    else:
        errors.add("current_password", "Wrong password.")
    errors.raise_if_any()
    new_hash = await hash_password(new_password)

    async def change(session: AsyncSession) -> AuthResult:
        await session.execute(
            update(User)
            .where(col(User.id) == user.id, col(User.token_version) == user.token_version)
            .values(
                password_hash=new_hash,
                token_version=col(User.token_version) + 1,
                updated_at=utcnow(),
            )
        )
        fresh = await session.scalar(select(User).where(col(User.id) == user.id))
        if fresh is None or fresh.token_version != user.token_version + 1:
            raise unauthenticated("Your session has ended; sign in again.")
        return await _issue_pair(session, ctx, fresh)

    result = await write(ctx, change)
    # Every token of the caller's is now revoked, this request's included.
    ctx.end_session()
    return result


async def delete_account(ctx: Context, password: str) -> str:
    user = await ctx.require_caller()
    ctx.spend_password_work()
    checks = await _reserve_password_check(ctx, user.username)
    if not await verify_password(user.password_hash, password):
        raise bad_input({"password": "Wrong password."})
    await ctx.services.throttle.release(checks)

    async def remove(session: AsyncSession) -> None:
        await session.execute(delete(User).where(col(User.id) == user.id))

    await write(ctx, remove)
    ctx.end_session()
    assert user.id is not None
    return USER.global_id(user.id)
