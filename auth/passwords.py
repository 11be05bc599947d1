"""argon2id hashing (run off the event loop by the caller) and the password rules."""

from __future__ import annotations

import asyncio
from functools import lru_cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

# OWASP Password Storage Cheat Sheet minimum for argon2id: m=19 MiB, t=2, p=1.
MEMORY_COST_KIB = 19 * 1024
TIME_COST = 2
PARALLELISM = 1
MIN_PASSWORD_LENGTH = 8

_hasher = PasswordHasher(time_cost=TIME_COST, memory_cost=MEMORY_COST_KIB, parallelism=PARALLELISM)


def password_problem(password: str, username: str) -> str | None:
    """Why `password` is not acceptable for `username`, or None when it is."""
    if len(password) < MIN_PASSWORD_LENGTH:
        return f"Password must be at least {MIN_PASSWORD_LENGTH} characters."
    if password.isdigit():
        return "Password must not be only digits."
    if password.casefold() == username.casefold():
        return "Password must not be the username."
    return None


async def hash_password(password: str) -> str:
    return await asyncio.to_thread(_hasher.hash, password)


@lru_cache(maxsize=1)
def _dummy_hash() -> str:
    return _hasher.hash("not-a-real-password")


async def verify_password(password_hash: str | None, password: str) -> bool:
    """Checks a password; with no hash (unknown user) it burns the same time and fails."""
    target = password_hash if password_hash is not None else _dummy_hash()
    try:
        ok = await asyncio.to_thread(_hasher.verify, target, password)
    except (VerificationError, InvalidHashError):
        return False
    return ok and password_hash is not None


def needs_rehash(password_hash: str) -> bool:
    return _hasher.check_needs_rehash(password_hash)
