"""Ending sessions: one chain of refresh tokens (sign-out), all of them (sign-out everywhere),
and the purge of refresh tokens that can no longer matter, off the request path.

A session is a chain of refresh tokens: sign-in starts one, each rotation continues it
(`RefreshToken.family`). Signing out deletes the chain's rows, so no token of it refreshes
again, and a replay of one is a plain refusal rather than a theft signal: the chain its
owner ended has nothing left to protect.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import ColumnElement, CursorResult, delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from auth import tokens
from db.transaction import run_in_transaction
from models import RefreshToken, User
from models.types import utcnow
from resolvers.context import Context
from resolvers.errors import unauthenticated
from resolvers.writes import write
from services import Services

# Rows per purge transaction: short transactions, few locks held at once.
PURGE_BATCH = 1000


async def sign_out(ctx: Context, refresh_token: str) -> bool:
    """Ends the chain `refresh_token` belongs to. True whenever no token of that chain can
    refresh afterwards, so signing out twice, or with an expired or already used token of
    the chain, is true too; a token this service did not sign is UNAUTHENTICATED."""
    try:
        # The refresh token is the credential; an expired one still names its chain.
        claims = tokens.decode(
            ctx.services.signing_key, refresh_token, "refresh", allow_expired=True
        )
    except tokens.InvalidToken as error:
        raise unauthenticated("Invalid refresh token.") from error
    async with ctx.reads() as connection:
        family = await connection.scalar(
            select(col(RefreshToken.family)).where(
                col(RefreshToken.jti) == claims.jti, col(RefreshToken.user_id) == claims.user_id
            )
        )
    if family is None:
        # Signed out already, purged, or never stored: nothing of it can refresh.
        return True

    async def revoke(session: AsyncSession) -> None:
        # By the chain, not by the rows read above: a rotation committed in between added a
        # row this statement still finds (on InnoDB it waits for that rotation's row lock).
        await session.execute(
            delete(RefreshToken).where(
                col(RefreshToken.family) == family, col(RefreshToken.user_id) == claims.user_id
            )
        )

    await write(ctx, revoke)
    return True


async def sign_out_everywhere(ctx: Context) -> bool:
    """Revokes every token of the caller, as a password change does; later fields of the
    same document run as nobody."""
    claims = ctx.require_claims()

    async def bump(session: AsyncSession) -> int:
        result = await session.execute(
            update(User)
            .where(col(User.id) == claims.user_id, col(User.token_version) == claims.version)
            .values(token_version=col(User.token_version) + 1)
        )
        return int(cast(CursorResult[Any], result).rowcount)

    if await write(ctx, bump) != 1:
        # Revoked already (or the account is gone): this token was not current.
        raise unauthenticated()
    # The update matched the token's version: it was current when this field ran.
    ctx.prove_current(True)
    ctx.end_session()
    return True


@dataclass(frozen=True, slots=True)
class Purged:
    expired: int
    used: int

    @property
    def total(self) -> int:
        return self.expired + self.used


async def purge_refresh_tokens(
    services: Services, now: datetime | None = None, batch: int = PURGE_BATCH
) -> Purged:
    """Deletes refresh tokens that can no longer matter; a CLI or scheduled job, never sign-in.

    Expired ones: no request can present them (the signature check refuses them first).
    Used ones past the reuse window (`Settings.reuse_window_seconds`, by default the refresh
    lifetime): until then a replay must find the row to be detected as theft.
    """
    moment = now or utcnow()
    window = timedelta(seconds=services.settings.reuse_window_seconds)
    expired = col(RefreshToken.expires_at) < moment
    used = col(RefreshToken.used_at) < moment - window
    return Purged(
        expired=await _purge(services, expired, batch),
        used=await _purge(services, used, batch),
    )


async def _purge(services: Services, condition: ColumnElement[bool], batch: int) -> int:
    async def one_batch(session: AsyncSession) -> int:
        jtis = list(
            (
                await session.scalars(select(col(RefreshToken.jti)).where(condition).limit(batch))
            ).all()
        )
        if not jtis:
            return 0
        result = await session.execute(
            delete(RefreshToken).where(col(RefreshToken.jti).in_(jtis), condition)
        )
        return int(cast(CursorResult[Any], result).rowcount)

    total = 0
    while True:
        deleted = await run_in_transaction(
            services.sessions, one_batch, retries=services.settings.db_deadlock_retries
        )
        total += deleted
        if deleted < batch:
            return total
