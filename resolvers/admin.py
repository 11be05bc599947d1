"""Admins are made from the command line only, never through the API."""

from __future__ import annotations

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from auth.passwords import hash_password, password_problem
from db.transaction import run_in_transaction
from models import User
from resolvers.context import Services
from resolvers.validation import FieldErrors


async def make_admin(services: Services, username: str, email: str, password: str) -> str | None:
    """Create an admin, or make the existing user with this username or email one.

    Returns why it could not, or None on success.
    """
    async with services.sessions() as session:
        existing = await session.scalar(
            select(User).where(
                or_(
                    col(User.username_key) == username.casefold(),
                    col(User.email_key) == email.casefold(),
                )
            )
        )
    if existing is None:
        errors = FieldErrors()
        errors.username("username", username)
        errors.email("email", email)
        problem = password_problem(password, username)
        if problem:
            errors.add("password", problem)
        if errors.fields:
            return "; ".join(f"{k}: {v}" for k, v in errors.fields.items())
        password_hash = await hash_password(password)

    async def apply(session: AsyncSession) -> None:
        if existing is not None:
            user = await session.get(User, existing.id)
            assert user is not None
            user.is_admin = True
        else:
            session.add(
                User(
                    username=username,
                    username_key=username.casefold(),
                    email=email,
                    email_key=email.casefold(),
                    password_hash=password_hash,
                    is_admin=True,
                )
            )

    await run_in_transaction(services.sessions, apply)
    return None
