"""Admins are made from the command line only, never through the API."""

from __future__ import annotations

from sqlalchemy import or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from auth.passwords import hash_password
from db.transaction import run_in_transaction
from models import User, user_key
from resolvers.accounts import new_user, validate_new_account
from services import Services


async def make_admin(services: Services, username: str, email: str, password: str) -> str | None:
    """Create an admin, or make the existing user with this username or email one.

    Returns why it could not, or None on success.
    """
    async with services.sessions() as session:
        matching = (
            await session.scalars(
                select(col(User.id)).where(
                    or_(
                        col(User.username_key) == user_key(username),
                        col(User.email_key) == user_key(email),
                    )
                )
            )
        ).all()
    if len(matching) > 1:
        # The username names one account and the email another: which to promote is a guess.
        return "the username and the email belong to two different accounts; give one account's"
    existing = matching[0] if matching else None
    if existing is not None:

        async def promote(session: AsyncSession) -> None:
            promoted = update(User).where(col(User.id) == existing).values(is_admin=True)
            await session.execute(promoted)

        await run_in_transaction(services.sessions, promote)
        return None

    errors = validate_new_account(username, email, password)
    if errors.fields:
        return "; ".join(f"{k}: {v}" for k, v in errors.fields.items())
    password_hash = await hash_password(password)

    async def insert(session: AsyncSession) -> None:
        session.add(new_user(username, email, password_hash, is_admin=True))

    await run_in_transaction(services.sessions, insert)
    return None
